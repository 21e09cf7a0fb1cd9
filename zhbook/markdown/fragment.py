"""A chapter's body as the model holds it (a well-formed XHTML fragment, no namespace) parsed into a tree
and written back, the same way everywhere: parsed as HTML, so `epub:type` stays a plain attribute name,
and written as XML, as the Markdown stage first wrote it (so a body that is parsed and written back
without change comes out byte for byte as it was)."""

from __future__ import annotations

from html import escape

import lxml.html
from lxml import etree


def parse(body: str):
    """The fragment's elements under one <div>."""
    return lxml.html.fragment_fromstring(body or "<p></p>", create_parent="div")


def serialize(container) -> str:
    """The children of a parse()d <div> (and text before them) as the fragment again."""
    parts = [escape(container.text, quote=False)] if container.text and container.text.strip() else []
    parts += [etree.tostring(child, method="xml", encoding="unicode") for child in container]
    return "".join(parts)
