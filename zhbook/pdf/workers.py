"""The worker processes that set the parts of the PDF (zhbook.pdf.part) and read their characters,
and the page counts they share.

Workers are forked: they inherit the book, the fonts and the settings without pickling them. Every
part is set in a worker, even when only one is to be set, so that WeasyPrint is patched
(zhbook.pdf.weasyprint) in the workers only, never in the building process.
"""

from __future__ import annotations

import concurrent.futures
import multiprocessing
import os
from collections.abc import Iterator

import tinyhtml5

from ..errors import BookError
from .part import PartJob, PartSetter, RenderedPart
from .plan import pages_before

UNKNOWN, FAILED = -1, -2
WAIT_SECONDS = 1800  # a part laid out by another worker; far more than any chapter takes
FORK = multiprocessing.get_context("fork")


class PageCounts:
    """The page count of every body part, shared by the worker processes (fork)."""

    def __init__(self, known: list[int | None], openings: str = "right"):
        self.openings = openings
        self.counts = FORK.Array("i", [UNKNOWN if c is None else c for c in known], lock=False)
        self.changed = FORK.Condition()

    def publish(self, slot: int, count: int) -> None:
        with self.changed:
            self.counts[slot] = count
            self.changed.notify_all()

    def fail(self, slot: int) -> None:
        self.publish(slot, FAILED)

    def known(self, slot: int) -> bool:
        return self.counts[slot] != UNKNOWN

    def pages_before(self, slot: int) -> int:
        """Body pages before slot, once the parts before it are laid out (zhbook.pdf.plan)."""
        with self.changed:
            ready = self.changed.wait_for(lambda: all(self.counts[i] != UNKNOWN for i in range(slot)),
                                          timeout=WAIT_SECONDS)
            counts = list(self.counts[:slot])
        if not ready or FAILED in counts:
            raise BookError("an earlier part of the PDF failed to render; see the message above")
        return pages_before(counts, self.openings)


# The one object a worker process works with, made by its pool's initializer (each worker is a
# process of its own: a pool can hand it nothing but picklable jobs).
_setter: PartSetter | None = None
_reader: CharacterReader | None = None


def _start_setter(settings: dict) -> None:
    global _setter
    _setter = PartSetter(settings)


def _set(job: PartJob) -> RenderedPart:
    return _setter.set(job)


class Workers:
    """Parts set by a pool of worker processes, started at the first part to set."""

    def __init__(self, settings: dict, jobs: int):
        self.settings, self.pool = settings, None
        self.size = min(os.cpu_count() or 1, jobs)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        if self.pool is not None:
            self.pool.shutdown(cancel_futures=True)

    def _pool(self) -> concurrent.futures.ProcessPoolExecutor:
        if self.pool is None:
            self.pool = concurrent.futures.ProcessPoolExecutor(
                self.size, mp_context=FORK, initializer=_start_setter, initargs=(self.settings,))
        return self.pool

    def map(self, jobs: list[PartJob]) -> Iterator[RenderedPart]:
        if jobs:
            # Submitted in book order: a part waits only for parts before it (see zhbook.pdf.part).
            yield from self._pool().map(_set, jobs)

    def one(self, job: PartJob) -> RenderedPart:
        return self._pool().submit(_set, job).result()


class CharacterReader:
    """The characters each font sets in a part's HTML, parsed as WeasyPrint parses it (tinyhtml5,
    without namespaces; WeasyPrint itself is not needed for it)."""

    def __init__(self, fonts, stylesheet: str):
        self.fonts, self.stylesheet = fonts, stylesheet

    def read(self, html: str) -> dict[str, set[str]]:
        root = tinyhtml5.parse(html, namespace_html_elements=False)
        return self.fonts.characters([root], self.stylesheet)


def _start_reader(reader: CharacterReader) -> None:
    global _reader
    _reader = reader


def _read(html: str) -> dict[str, set[str]]:
    return _reader.read(html)


def read_characters(reader: CharacterReader, htmls: list[str]) -> list[dict[str, set[str]]]:
    """reader.read() of each HTML, in parallel in forked processes where there are several."""
    size = min(os.cpu_count() or 1, len(htmls))
    if size <= 1:
        return [reader.read(html) for html in htmls]  # unpatched WeasyPrint: nothing to undo
    with concurrent.futures.ProcessPoolExecutor(size, mp_context=FORK, initializer=_start_reader,
                                                initargs=(reader,)) as pool:
        return list(pool.map(_read, htmls, chunksize=4))
