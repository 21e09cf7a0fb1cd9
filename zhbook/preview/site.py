"""What the preview serves, rebuilt on each save: the EPUB's own members (XHTML documents, stylesheet,
subset fonts, images) as zhbook.epub makes them, and the state the open pages follow (which build
they show, the error if the book has one, how fresh the PDF is).

A rebuild shows the new documents as soon as they are made (zhbook.epub.documents: quick), with the
fonts of the last packaged build; then packages the book (zhbook.epub.package: the fonts cut to the
characters the documents set) and shows the new fonts and stylesheet when they differ.
"""

from __future__ import annotations

import hashlib
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from ebooklib.epub import EpubNav, EpubNcx

from .. import epub
from ..errors import BookError, Diagnostics
from ..pipeline import prepare
from ..progress import Progress


FIRST_PAGE_SECONDS = 0.5  # at most this long for an open page to fetch its new text before packaging


@dataclass(frozen=True)
class Member:
    data: bytes
    media_type: str


@dataclass
class PdfState:
    state: str = "none"  # none, building, fresh, failed
    edit: int = -1  # the save it was built (or is being built) for
    seconds: float | None = None
    error: str = ""


@dataclass
class State:
    generation: int = 0  # bumped when the documents change
    assets: str = ""  # a hash of the stylesheet, fonts and images: the pages reload their styles when it changes
    edit: int = 0  # saves seen
    error: str = ""  # the book's error (file:line), shown over the last good page
    pdf: PdfState = field(default_factory=PdfState)
    version: int = 0  # bumped on every change: the event stream sends each version once
    built_at: float = 0.0  # time.time() the documents of this generation were ready


class Site:
    """The preview's members and state, shared by the build loop and the server's threads."""

    def __init__(self, book_dir: Path, out_dir: Path, quiet: bool = False):
        self.book_dir, self.out_dir, self.quiet = book_dir, out_dir, quiet
        self.members: dict[str, Member] = {}
        self.pages: list[tuple[str, str]] = []  # (file name, title) of each document, in reading order
        self.title, self.language, self.slug = "", "zh-Hans", ""
        self.state = State()
        self.changed = threading.Condition()
        self.closed = False
        self.shown_warnings: set[str] = set()
        self.pages_seconds = 0.0  # the last rebuild's time to new pages (the terminal shows it)
        self.listeners = 0  # open pages (event streams)
        self.page_served = threading.Event()  # a page of the newest build was served

    # --- the build loop's side -------------------------------------------------------------------

    def _publish(self, **changes) -> None:
        with self.changed:
            for name, value in changes.items():
                setattr(self.state, name, value)
            self.state.version += 1
            self.changed.notify_all()

    def saved(self) -> None:
        """A save was seen: the PDF is no longer fresh until rebuilt."""
        self._publish(edit=self.state.edit + 1)

    def rebuild(self) -> bool:
        """Make the book's documents again and show them; then package the book and show its fonts
        and stylesheet. On a BookError the last good pages stay and the error is shown (and printed);
        returns whether the book built."""
        diagnostics = Diagnostics(quiet=True)
        started = time.perf_counter()
        try:
            ctx = prepare(self.book_dir, self.out_dir, diagnostics, Progress(quiet=True))
            made = epub.documents(ctx)
        except BookError as exc:
            self._failed(str(exc), diagnostics)
            return False
        except Exception as exc:  # a bug of ours: the preview keeps running, the page says so
            self._failed(f"internal error ({type(exc).__name__}: {exc}); run `build.py epub --debug` and report it",
                         diagnostics)
            return False
        self._warn(diagnostics)
        members = dict(self.members)
        for item in made.ebook.get_items():  # the cover image so far
            members[item.file_name] = Member(item.content, item.media_type)
        for image in ctx.images:
            members[image.href] = Member(image.data, image.media_type)
        names = {d.file_name for d in made.documents}
        for name in [n for n, m in members.items() if m.media_type == "application/xhtml+xml" and n not in names]:
            del members[name]  # a chapter removed from the book
        for document in made.documents:
            members[document.file_name] = Member(document.content, document.media_type)
        meta = ctx.book.meta
        with self.changed:
            self.members, self.title, self.language, self.slug = members, meta.title, meta.language, meta.slug
            self.pages = [(d.file_name, d.title) for d in made.documents]
        self.page_served.clear()
        self._publish(generation=self.state.generation + 1, error="", built_at=time.time())
        self.pages_seconds = time.perf_counter() - started
        if self.listeners:
            # The open page fetches its new text first: packaging holds the interpreter for a
            # while (the fonts' characters), and the author is looking at the page.
            self.page_served.wait(FIRST_PAGE_SECONDS)

        try:
            ebook = epub.package(ctx, made)
        except BookError as exc:
            self._failed(str(exc), diagnostics)
            return False
        except Exception as exc:  # a bug of ours, as above
            self._failed(f"internal error ({type(exc).__name__}: {exc}); run `build.py epub --debug` and report it",
                         diagnostics)
            return False
        packaged = {item.file_name: Member(item.content, item.media_type) for item in ebook.get_items()
                    if not isinstance(item, (EpubNav, EpubNcx))}  # made as the EPUB is written
        self._warn(diagnostics)
        assets = _assets_hash(packaged)
        with self.changed:
            self.members = packaged
        if assets != self.state.assets:
            self._publish(assets=assets)
        return True

    def _failed(self, message: str, diagnostics: Diagnostics) -> None:
        self._warn(diagnostics, failed=True)
        print(f"error: {message}", file=sys.stderr, flush=True)
        self._publish(error=message)

    def _warn(self, diagnostics: Diagnostics, failed: bool = False) -> None:
        """The build's warnings, each printed once while it lasts (not again on every save)."""
        for warning in diagnostics.warnings:
            if warning not in self.shown_warnings:
                print(f"warning: {warning}", file=sys.stderr, flush=True)
        warnings = set(diagnostics.warnings)
        self.shown_warnings = self.shown_warnings | warnings if failed else warnings

    def pdf_report(self, report: dict) -> None:
        """A message from the PDF builder (zhbook.preview.pdf)."""
        pdf = PdfState(report["state"], report["edit"], report.get("seconds"), report.get("error", ""))
        self._publish(pdf=pdf)

    def close(self) -> None:
        with self.changed:
            self.closed = True
            self.changed.notify_all()

    # --- the server's side -----------------------------------------------------------------------

    def member(self, name: str) -> Member | None:
        with self.changed:
            return self.members.get(name)

    def snapshot(self) -> dict:
        """The state as the pages get it (JSON)."""
        with self.changed:
            s = self.state
            return {"version": s.version, "generation": s.generation, "assets": s.assets, "error": s.error,
                    "built_at": s.built_at,
                    "pdf": {"state": s.pdf.state, "fresh": s.pdf.state == "fresh" and s.pdf.edit == s.edit,
                            "href": f"/_preview/{self.slug}.pdf" if self.slug else "",
                            "seconds": s.pdf.seconds, "error": s.pdf.error}}

    def wait(self, seen: int, timeout: float) -> dict | None:
        """The state once its version is past seen (None after timeout, or once closed)."""
        with self.changed:
            self.changed.wait_for(lambda: self.closed or self.state.version != seen, timeout)
            if self.closed or self.state.version == seen:
                return None
        return self.snapshot()


def _assets_hash(members: dict[str, Member]) -> str:
    digest = hashlib.sha256()
    for name in sorted(members):
        if members[name].media_type != "application/xhtml+xml":
            digest.update(name.encode() + b"\0" + hashlib.sha256(members[name].data).digest())
    return digest.hexdigest()[:12]
