"""The preview's HTTP server (http.server, one thread per request), bound to 127.0.0.1.

It serves by name from fixed routes, never from the file system by path: the index at /, the
EPUB's members (zhbook.preview.site) at their names in the EPUB, the preview's script, stylesheet
and event stream under /_preview/, and the book's PDF from the output folder. Any other name,
`..` and percent-encoded forms included, is a 404; nothing is listed.
"""

from __future__ import annotations

import json
import socket
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from importlib import resources
from pathlib import Path
from urllib.parse import unquote, urlsplit

from . import page
from .site import Site

HOST = "127.0.0.1"
PING_SECONDS = 10  # an event-stream comment this often: a closed page is noticed and its thread ends
ASSETS = {"/_preview/live.js": ("live.js", "text/javascript; charset=utf-8"),
          "/_preview/preview.css": ("preview.css", "text/css; charset=utf-8")}
TEXT_TYPES = ("text/css", "application/xhtml+xml")


class PreviewServer(ThreadingHTTPServer):
    daemon_threads = True  # an open event stream does not keep the process alive
    allow_reuse_address = True  # restart at once after Ctrl-C (on Linux a second listener is still refused)

    def __init__(self, site: Site, port: int):
        self.site = site
        self.stopping = False
        super().__init__((HOST, port), Handler)

    @property
    def port(self) -> int:
        return self.server_address[1]


class Handler(BaseHTTPRequestHandler):
    server: PreviewServer
    server_version = "zhbook-preview"
    sys_version = ""

    def log_message(self, format: str, *args) -> None:  # the terminal is for the book's messages
        pass

    def do_HEAD(self) -> None:
        self._answer(head=True)

    def do_GET(self) -> None:
        self._answer(head=False)

    def _answer(self, head: bool) -> None:
        site = self.server.site
        host = (self.headers.get("Host") or "").rsplit(":", 1)[0]
        if host not in (HOST, "localhost"):  # a page elsewhere reaching us through DNS rebinding
            return self._send(403, b"forbidden\n", "text/plain; charset=utf-8", head)
        path = urlsplit(self.path).path
        try:
            name = unquote(path, errors="strict")
        except UnicodeDecodeError:
            return self._not_found(head)
        if name == "/":
            state = site.snapshot()
            body = page.index(site.title, site.language, site.pages, state["generation"], state["assets"],
                              state["pdf"]["href"] if state["pdf"]["state"] != "none" else "")
            self._send(200, body, "text/html; charset=utf-8", head)
            site.page_served.set()
            return
        if name == "/_preview/events":
            return self._events(head)
        if name in ASSETS:
            file_name, media_type = ASSETS[name]
            return self._send(200, resources.files(__package__).joinpath(file_name).read_bytes(), media_type, head)
        if site.slug and name == f"/_preview/{site.slug}.pdf":
            return self._pdf(head)
        member = site.member(name[1:]) if name.startswith("/") else None
        if member is None:
            return self._not_found(head)
        data, media_type = member.data, member.media_type
        if media_type == "application/xhtml+xml":
            state = site.snapshot()
            data = page.document(data, name[1:], site.pages, state["generation"], state["assets"])
        if media_type in TEXT_TYPES:
            media_type += "; charset=utf-8"
        self._send(200, data, media_type, head)
        if media_type.startswith("application/xhtml+xml"):
            site.page_served.set()

    def _send(self, status: int, body: bytes, media_type: str, head: bool) -> None:
        self.send_response(status)
        self.send_header("Content-Type", media_type)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")  # every save changes them
        self.send_header("X-Content-Type-Options", "nosniff")
        self.end_headers()
        if not head:
            self.wfile.write(body)

    def _not_found(self, head: bool) -> None:
        self._send(404, b"not found\n", "text/plain; charset=utf-8", head)

    def _pdf(self, head: bool) -> None:
        path = self.server.site.out_dir / f"{self.server.site.slug}.pdf"
        try:
            data = Path(path).read_bytes()  # whole: a rebuild replaces the file, never rewrites it
        except OSError:
            return self._not_found(head)
        self._send(200, data, "application/pdf", head)

    def _events(self, head: bool) -> None:
        """Server-sent events: the state now, then each change of it."""
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream; charset=utf-8")
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        if head:
            return
        site, seen = self.server.site, None
        state = site.snapshot()
        with site.changed:
            site.listeners += 1
        try:
            while not self.server.stopping:
                if state is None:
                    self.wfile.write(b": ping\n\n")
                else:
                    seen = state["version"]
                    self.wfile.write(b"event: state\ndata: " + json.dumps(state).encode() + b"\n\n")
                self.wfile.flush()
                state = site.wait(seen, PING_SECONDS)
        except (BrokenPipeError, ConnectionResetError, socket.timeout, OSError):
            pass
        finally:
            with site.changed:
                site.listeners -= 1
