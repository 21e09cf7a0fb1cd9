"""Reader profiles: `build.py epub --reader NAME`. The default EPUB ("standard") is safe for every reader
in docs/readers.md; a profile changes only what must differ for one reader: the form of the notes
(多看's footnote markup; a linked list for 微信读书 and 掌阅, which show pop-up asides inline as well),
and for Kobo the .kepub.epub name and the koboSpan spans its better engine reads.

Image limits do not differ: zhbook scales images to 1600×2560 and 4 million pixels, within Apple Books'
5.6 million pixels and Kobo's 5 MB per image, so no profile has to shrink them further.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass

from lxml import etree

from ..cjk import CLOSING, SENTENCE_END
from ..errors import BookError


@dataclass(frozen=True)
class ReaderProfile:
    name: str
    suffix: str  # the output's name: <slug><suffix>
    notes: str = "aside"  # "aside" (EPUB 3 pop-up), "duokan" (多看's markup), "list" (a linked list)
    kobo_spans: bool = False
    fullscreen_cover: bool = False  # 多看's duokan-page-fullscreen: never, EPUBCheck rejects it (docs/readers.md)
    rules: tuple[str, ...] = ()  # the preflight rules a build for this profile must pass (all that break)


PROFILES = {
    "standard": ReaderProfile("standard", ".epub"),
    "apple": ReaderProfile("apple", ".apple.epub"),
    "kindle": ReaderProfile("kindle", ".kindle.epub"),
    "kobo": ReaderProfile("kobo", ".kepub.epub", kobo_spans=True),
    "duokan": ReaderProfile("duokan", ".duokan.epub", notes="duokan"),
    "weread": ReaderProfile("weread", ".weread.epub", notes="list"),
}


def profile(name: str) -> ReaderProfile:
    try:
        return PROFILES[name]
    except KeyError:
        raise BookError(f"unknown reader '{name}'; use one of {', '.join(PROFILES)}") from None


# --- Kobo: koboSpan ------------------------------------------------------------------------------

XHTML = "{http://www.w3.org/1999/xhtml}"
# Where Kobo's engine counts text: the blocks that hold text (kepubify's choice too).
KOBO_BLOCKS = {f"{XHTML}{tag}" for tag in ("p", "h1", "h2", "h3", "h4", "h5", "h6", "li", "dt", "dd", "td", "th",
                                           "caption", "figcaption", "pre")}
SENTENCE = re.compile(f"[^{SENTENCE_END}]*[{SENTENCE_END}]+[{CLOSING})]*\\s*|[^{SENTENCE_END}]+$")


def with_kobo_spans(content: bytes) -> bytes:
    """An XHTML document with every sentence of its text blocks in <span class="koboSpan" id="kobo.P.S">:
    Kobo's kepub engine keeps reading position, highlights and statistics by these."""
    parser = etree.XMLParser(remove_blank_text=False, resolve_entities=False)
    tree = etree.parse(io.BytesIO(content), parser)
    body = tree.getroot().find(f"{XHTML}body")
    paragraph = 0
    for block in list(body.iter(*KOBO_BLOCKS)):
        if any(ancestor.tag in KOBO_BLOCKS for ancestor in block.iterancestors()):
            continue  # a list inside a list item: counted with its outer block
        paragraph += 1
        counter = iter(range(1, 10**6))
        _wrap(block, paragraph, counter)
    return etree.tostring(tree, xml_declaration=True, encoding="utf-8")


def _spans(text: str, paragraph: int, counter) -> list[etree._Element]:
    spans = []
    for sentence in SENTENCE.findall(text):
        if sentence:
            span = etree.Element(f"{XHTML}span", {"class": "koboSpan", "id": f"kobo.{paragraph}.{next(counter)}"},
                                 nsmap={None: XHTML[1:-1]})
            span.text = sentence
            spans.append(span)
    return spans


def _wrap(element, paragraph: int, counter) -> None:
    """Each run of text inside element (its text, its children's tails, recursively) into spans."""
    if element.tag in (f"{XHTML}svg", f"{XHTML}math") or element.get("class", "").startswith("koboSpan"):
        return
    children = list(element)
    if element.text and element.text.strip():
        spans = _spans(element.text, paragraph, counter)
        element.text = None
        for index, span in enumerate(spans):
            element.insert(index, span)
    for child in children:
        if not isinstance(child.tag, str):
            continue
        _wrap(child, paragraph, counter)
        if child.tail and child.tail.strip():
            spans = _spans(child.tail, paragraph, counter)
            child.tail = None
            position = element.index(child) + 1
            for offset, span in enumerate(spans):
                element.insert(position + offset, span)
