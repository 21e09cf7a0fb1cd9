"""PartCache: the PDF parts already set, under .cache/pdf-parts/, so that a rebuild sets only what changed.

A part is known by the hash of all that goes into it: its HTML, the stylesheet, the font files,
the book's images and identifier, and the code that sets it (PART_CODE; WeasyPrint's version). Per
part the cache keeps its characters (for the font subsets), its
page count and the pages its ids are on, and its PDF for each first page number (and side) it was set
at: a part's layout does not depend on where it starts, only its printed page numbers do (see
zhbook.pdf.part).
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import json
import os
import time
from pathlib import Path

from ..codehash import code_digest
from ..output import replace_file
from .part import RenderedPart

FORMAT = "2"  # bump when what a cached part holds changes
# The code that sets a part from its HTML and stylesheet: WeasyPrint's changes and their rules, the
# worker's setup, the layout subsets of the fonts. Not the rest of the package (the HTML, the
# stylesheet and the join): a change there reaches the part through its key, or not at all.
PART_CODE = (code_digest("pdf/part.py", "pdf/weasyprint.py", "pdf/cjk_layout.py", "cjk.py", "assets/fonts.py"),)
STALE_SECONDS = 600  # files no build has used for this long are removed after a build


class PartCache:
    def __init__(self, cache_dir: Path, stylesheet: str, fonts, images, identifier: str):
        self.dir = cache_dir / "pdf-parts"
        self.dir.mkdir(parents=True, exist_ok=True)
        base = hashlib.sha256()
        for item in [FORMAT, importlib.metadata.version("weasyprint"), *PART_CODE, stylesheet, identifier,
                     *sorted(f.sha256 for f in fonts.files.values()),
                     *sorted(hashlib.sha256(image.data).hexdigest() + image.href for image in images)]:
            base.update(item.encode() + b"\0")
        self.base = base
        self.meta: dict[str, dict] = {}
        self.keys: dict[str, str] = {}  # html → key: a build asks for each part's several times

    def key(self, html: str) -> str:
        if html not in self.keys:
            digest = self.base.copy()
            digest.update(html.encode())
            self.keys[html] = digest.hexdigest()[:32]
        return self.keys[html]

    def _meta(self, html: str) -> dict:
        key = self.key(html)
        if key not in self.meta:
            try:
                self.meta[key] = json.loads((self.dir / f"{key}.json").read_text())
            except (OSError, ValueError):
                self.meta[key] = {}
        return self.meta[key]

    def _save_meta(self, html: str) -> None:
        replace_file(self.dir / f"{self.key(html)}.json", json.dumps(self._meta(html)).encode())

    def characters(self, html: str) -> dict[str, set[str]] | None:
        chars = self._meta(html).get("chars")
        return None if chars is None else {name: set(text) for name, text in chars.items()}

    def store_characters(self, html: str, chars: dict[str, set[str]]) -> None:
        self._meta(html)["chars"] = {name: "".join(sorted(text)) for name, text in chars.items()}
        self._save_meta(html)

    def pages(self, html: str) -> int | None:
        return self._meta(html).get("pages")

    def _pdf_path(self, html: str, first_page: int, verso: bool = False) -> Path:
        return self.dir / f"{self.key(html)}-p{first_page}{'v' if verso else ''}.pdf"

    def load(self, html: str, first_page: int, index: int, verso: bool = False) -> RenderedPart | None:
        meta, path = self._meta(html), self._pdf_path(html, first_page, verso)
        if "pages" not in meta or not path.is_file():
            return None
        for file in (path, self.dir / f"{self.key(html)}.json"):
            os.utime(file)  # in use: prune() leaves it
        return RenderedPart(index=index, pdf=b"", pages=meta["pages"], first_page=first_page,
                            anchors=meta["anchors"], warnings=meta["warnings"], path=path, verso=verso)

    def store(self, html: str, part: RenderedPart) -> None:
        """Write the part's PDF to the cache; the part keeps only its path."""
        path = self._pdf_path(html, part.first_page, part.verso)
        replace_file(path, part.pdf)
        part.pdf, part.path = b"", path
        self._meta(html).update(pages=part.pages, anchors=part.anchors, warnings=part.warnings)
        self._save_meta(html)

    def prune(self) -> None:
        """Remove the parts no build has used for a while (a build touches what it uses)."""
        stale = time.time() - STALE_SECONDS
        for path in self.dir.iterdir():
            try:
                if path.stat().st_mtime < stale:
                    path.unlink()
            except OSError:
                pass  # another build removed it first
