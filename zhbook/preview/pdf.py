"""The PDF, rebuilt in the background after each save by one resident process.

The process is forked when the preview starts (before its server threads) and stays: WeasyPrint is
imported once, and each rebuild is zhbook.pipeline.build("pdf"), which takes the unchanged chapters'
parts and the font subsets from the cache and replaces <out>/<slug>.pdf atomically
(zhbook.output.atomic_output). Saves that come while a PDF is being set are folded into one rebuild.

The builder runs at a lower priority (the page the author looks at comes first) and in a process
group of its own, with its workers: stop() ends the whole group, so Ctrl-C leaves no process behind.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import threading
import time
from collections.abc import Callable
from pathlib import Path

from ..errors import BookError, Diagnostics

FORK = multiprocessing.get_context("fork")
NICENESS = 10
STOP_SECONDS = 3  # for the builder to remove its temporary output after SIGTERM, then SIGKILL


class PdfBuilder:
    """The resident PDF process and the thread that hands its reports to on_report."""

    def __init__(self, book_dir: Path, out_dir: Path, on_report: Callable[[dict], None], not_inherited=()):
        """not_inherited: sockets the builder closes (the server's: the port is the preview's alone)."""
        self.conn, child_conn = FORK.Pipe()
        self.process = FORK.Process(target=_run, args=(child_conn, book_dir, out_dir, tuple(not_inherited)),
                                    name="zhbook-preview-pdf")
        self.process.start()
        child_conn.close()
        try:
            os.setpgid(self.process.pid, self.process.pid)  # also done by the child: whichever runs first
        except OSError:
            pass
        self.on_report = on_report
        self.reader = threading.Thread(target=self._read, name="zhbook-preview-pdf-reports", daemon=True)
        self.reader.start()

    def _read(self) -> None:
        while True:
            try:
                report = self.conn.recv()
            except (EOFError, OSError):
                return
            self.on_report(report)

    def request(self, edit: int) -> None:
        """Rebuild the PDF for save number edit."""
        try:
            self.conn.send(edit)
        except OSError:
            pass

    def stop(self) -> None:
        """End the builder and its workers: SIGTERM to its group (the builder removes its temporary
        output on the way out), SIGKILL to whatever is left after STOP_SECONDS."""
        pid = self.process.pid
        for sig, wait in ((signal.SIGTERM, STOP_SECONDS), (signal.SIGKILL, STOP_SECONDS)):
            try:
                os.killpg(pid, sig)
            except ProcessLookupError:
                break
            except PermissionError:  # not its own group yet: the builder alone
                self.process.kill()
            self.process.join(wait)
            if not self.process.is_alive():
                _reap_group(pid, sig)
                break
        self.conn.close()
        self.reader.join(1)


def _reap_group(pgid: int, sig: int) -> None:
    """The builder has ended; its workers (same group) end with it."""
    deadline = time.monotonic() + STOP_SECONDS
    while time.monotonic() < deadline:
        try:
            os.killpg(pgid, 0)
        except ProcessLookupError:
            return
        time.sleep(0.05)
    try:
        os.killpg(pgid, signal.SIGKILL)
    except ProcessLookupError:
        pass


def _run(conn, book_dir: Path, out_dir: Path, not_inherited: tuple) -> None:
    """The builder process: one PDF per request, the latest request only."""
    builder = os.getpid()
    for sock in not_inherited:
        sock.close()
    try:
        os.setpgid(0, 0)
    except OSError:
        pass
    os.nice(NICENESS)

    def stop(signum, frame):
        if os.getpid() != builder:  # a worker of the PDF's pool (forked from here): end at once
            os._exit(1)
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the preview process stops the group itself
    try:
        from ..pdf import load_weasyprint
        from ..pipeline import build
        from ..progress import Progress

        load_weasyprint()  # imported once, for every rebuild
        while True:
            edit = conn.recv()
            while conn.poll():  # saves that came meanwhile: only the latest counts
                edit = conn.recv()
            conn.send({"state": "building", "edit": edit})
            started = time.perf_counter()
            diagnostics = Diagnostics(quiet=True)
            try:
                build("pdf", book_dir, out_dir, diagnostics, Progress(quiet=True))
            except BookError as exc:
                conn.send({"state": "failed", "edit": edit, "error": str(exc)})
                continue
            except Exception as exc:  # a bug of ours: said on the page, the builder keeps going
                conn.send({"state": "failed", "edit": edit,
                           "error": f"internal error ({type(exc).__name__}: {exc}); run `build.py pdf --debug`"})
                continue
            conn.send({"state": "fresh", "edit": edit, "seconds": round(time.perf_counter() - started, 2),
                       "warnings": diagnostics.warnings})
    except (KeyboardInterrupt, EOFError, OSError):
        pass
