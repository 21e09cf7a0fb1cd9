"""What a long build is doing: on a terminal one line kept up to date (parts done / total, pages),
elsewhere (CI, a log) one line per finished stage; nothing with -q. Written to stdout, beside the
"wrote …" lines: stderr is for warnings and errors only."""

from __future__ import annotations

import sys
import time


class Progress:
    def __init__(self, quiet: bool = False, stream=None):
        self.stream = stream or sys.stdout
        self.quiet = quiet
        self.live = not quiet and self.stream.isatty()
        self.stage, self.started = None, time.perf_counter()

    def update(self, stage: str, done: int, total: int, pages: int | None = None) -> None:
        """Stage `stage` has done `done` of `total` (parts, chapters …), with `pages` pages so far."""
        if self.quiet:
            return
        if stage != self.stage:
            self.finish()
            self.stage, self.started, self.summary = stage, time.perf_counter(), ""
        self.summary = f"{done}/{total}" + (f", {pages} pages" if pages is not None else "")
        if self.live:
            self.stream.write(f"\r\033[K{stage}: {self.summary}")
            self.stream.flush()

    def finish(self) -> None:
        """End the current stage with one line: its last figures and how long it took."""
        if self.quiet or self.stage is None:
            return
        line = f"{self.stage}: {self.summary} in {time.perf_counter() - self.started:.1f} s"
        self.stream.write(("\r\033[K" if self.live else "") + line + "\n")
        self.stream.flush()
        self.stage = None

    def line(self, text: str) -> None:
        """A summary line (not with -q)."""
        if not self.quiet:
            self.finish()
            self.stream.write(text + "\n")
            self.stream.flush()
