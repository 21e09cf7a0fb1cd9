"""`build.py preview`: the book served on 127.0.0.1 while the author writes.

- zhbook.preview.site: the EPUB's members and the build state, rebuilt on each save;
- zhbook.preview.server: the HTTP server (index, pages, event stream, PDF), loopback only;
- zhbook.preview.page: the pages as served (the EPUB's XHTML plus a contents sidebar and live.js);
- zhbook.preview.pdf: the resident process that rebuilds the PDF in the background.

The book folder, zhbook's styles and its fonts are watched (watchfiles); each save rebuilds the
pages, the open pages reload in place, and the PDF follows. Ctrl-C (or SIGTERM) stops the server,
the watcher and the PDF builder with its workers.
"""

from __future__ import annotations

import signal
import sys
import threading
import webbrowser
from pathlib import Path

from .. import paths
from ..errors import BookError

WATCH_STEP_MS = 30  # a save is taken once no change came for this long (watchfiles' step)
WATCH_DEBOUNCE_MS = 400  # at most this long to gather the changes of one save


def run(book_dir: Path, out_dir: Path, port: int, open_browser: bool = False, quiet: bool = False) -> int:
    """Serve the book until Ctrl-C; 0 when stopped so."""
    from watchfiles import DefaultFilter, watch

    from .pdf import PdfBuilder
    from .server import PreviewServer
    from .site import Site

    if not book_dir.is_dir():
        raise BookError("no such book folder; give it with --book DIR", book_dir)
    # Ctrl-C stops the preview even when it was started with SIGINT ignored (a shell's background
    # job), where Python leaves it ignored.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    book_dir, out_dir = book_dir.resolve(), out_dir.resolve()
    site = Site(book_dir, out_dir, quiet)

    def pdf_report(report: dict) -> None:
        site.pdf_report(report)
        if report["state"] == "fresh":
            new = [w for w in report.get("warnings", ()) if w not in site.shown_warnings]
            for warning in new:
                print(f"warning: {warning}", file=sys.stderr, flush=True)
            if not quiet:
                print(f"pdf: {out_dir / (site.slug + '.pdf')} rebuilt in {report['seconds']:.1f} s", flush=True)
        elif report["state"] == "failed" and report["error"] != site.state.error:  # not said twice
            print(f"error: pdf: {report['error']}", file=sys.stderr, flush=True)

    try:
        server = PreviewServer(site, port)
        serving = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.2},
                                   name="zhbook-preview-server", daemon=True)
    except OSError as exc:
        raise BookError(f"cannot listen on 127.0.0.1:{port} ({exc.strerror}); choose another port with --port N")
    # Forked before the server's thread starts: this process has no other thread yet.
    pdf = PdfBuilder(book_dir, out_dir, pdf_report, not_inherited=[server.socket])
    try:
        serving.start()
        if not quiet:
            print(f"preview: building {book_dir} …", flush=True)
        if site.rebuild():
            pdf.request(site.state.edit)
        url = f"http://127.0.0.1:{server.port}/"
        print(f"preview: serving {url} (Ctrl-C stops)", flush=True)
        if open_browser:
            webbrowser.open(url)
        ignored = [p for p in (out_dir, paths.cache_dir()) if p.is_relative_to(book_dir)]
        for changes in watch(book_dir, paths.styles_dir(), paths.fonts_dir(),
                             watch_filter=DefaultFilter(ignore_paths=ignored), debounce=WATCH_DEBOUNCE_MS,
                             step=WATCH_STEP_MS, raise_interrupt=True):
            site.saved()
            if site.rebuild():
                pdf.request(site.state.edit)
                if not quiet:
                    names = sorted({Path(p).name for _, p in changes})
                    print(f"preview: {', '.join(names[:3])}{' …' if len(names) > 3 else ''} saved; pages rebuilt in "
                          f"{site.pages_seconds:.2f} s", flush=True)
    except KeyboardInterrupt:
        pass
    finally:
        site.close()
        server.stopping = True
        if serving.is_alive():
            server.shutdown()
        server.server_close()
        pdf.stop()
    if not quiet:
        print("preview: stopped", flush=True)
    return 0
