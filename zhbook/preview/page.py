"""The pages as served: the EPUB's XHTML documents with the preview's contents sidebar and its script
added (nothing else of the document changes), and the index page that lists them."""

from __future__ import annotations

from lxml import etree
from lxml.html import builder as E
from lxml.html import tostring as html_tostring

XHTML = "http://www.w3.org/1999/xhtml"
SCRIPT = "/_preview/live.js"
STYLE = "/_preview/preview.css"


def _q(tag: str) -> str:
    return f"{{{XHTML}}}{tag}"


def document(content: bytes, name: str, pages: list[tuple[str, str]], generation: int, assets: str) -> bytes:
    """An EPUB document (XHTML) with the preview's stylesheet and script in its head and the contents
    sidebar first in its body."""
    root = etree.fromstring(content)
    head, body = root.find(_q("head")), root.find(_q("body"))
    etree.SubElement(head, _q("link"), rel="stylesheet", href=STYLE)
    script = etree.SubElement(head, _q("script"), src=SCRIPT)
    script.set("data-generation", str(generation))
    script.set("data-assets", assets)
    script.text = ""  # <script …></script>: an HTML parser would not close <script/>
    nav = etree.Element(_q("nav"), id="zhbook-preview-contents")
    nav.set("class", "zhbook-preview")
    nav.set("aria-label", "contents")
    heading = etree.SubElement(nav, _q("p"))
    etree.SubElement(heading, _q("a"), href="/").text = "目录 · index"
    listing = etree.SubElement(nav, _q("ol"))
    for href, title in pages:
        item = etree.SubElement(listing, _q("li"))
        link = etree.SubElement(item, _q("a"), href=href)
        link.text = title
        if href == name:
            link.set("aria-current", "page")
    body.insert(0, nav)
    return etree.tostring(root, xml_declaration=True, encoding="utf-8")


def index(title: str, language: str, pages: list[tuple[str, str]], generation: int, assets: str,
          pdf_href: str) -> bytes:
    """The index: the book's title and a plain link to each page."""
    script = E.SCRIPT(src=SCRIPT)
    script.set("data-generation", str(generation))
    script.set("data-assets", assets)
    head = E.HEAD(E.META(charset="utf-8"), E.TITLE(title or "zhbook preview"), E.LINK(rel="stylesheet", href=STYLE),
                  script)
    items = [E.LI(E.A(page_title, href=href)) for href, page_title in pages]
    body = E.BODY(E.H1(title), E.OL(*items), E.P(E.A("PDF", href=pdf_href)) if pdf_href else "")
    body.set("class", "zhbook-preview-index")
    page = E.HTML(head, body, lang=language)
    return b"<!DOCTYPE html>\n" + html_tostring(page, encoding="utf-8")
