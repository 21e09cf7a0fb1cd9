"""The preview's site and server in this process (fast): the real small book rendered by the EPUB
renderer into the site, served on 127.0.0.1, asked for its pages and for what it must refuse."""

from __future__ import annotations

import http.client
import shutil
import threading
from pathlib import Path

import pytest
from lxml import etree, html

from tests.helpers import REPO
from zhbook.preview.server import PreviewServer
from zhbook.preview.site import Site

pytestmark = pytest.mark.fast
XHTML = "{http://www.w3.org/1999/xhtml}"


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    book = tmp_path_factory.mktemp("preview") / "book"
    shutil.copytree(REPO / "book", book, ignore=shutil.ignore_patterns("source"))
    site = Site(book, book.parent / "dist")
    assert site.rebuild(), "the sample book must build"
    server = PreviewServer(site, 0)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    yield site, server, book
    site.close()
    server.stopping = True
    server.shutdown()
    server.server_close()


def get(server: PreviewServer, path: str, host: str | None = None) -> tuple[int, dict, bytes]:
    """A raw request: the path is sent exactly as given (no client-side normalising of ..)."""
    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
    try:
        connection.putrequest("GET", path, skip_host=True)
        connection.putheader("Host", host or f"127.0.0.1:{server.port}")
        connection.endheaders()
        response = connection.getresponse()
        return response.status, dict(response.getheaders()), response.read()
    finally:
        connection.close()


def test_the_index_has_the_title_and_a_plain_link_to_every_chapter(served):
    site, server, book = served
    status, headers, body = get(server, "/")
    assert status == 200 and headers["Content-Type"].startswith("text/html")
    page = html.fromstring(body)
    assert page.findtext(".//h1") == site.title and page.findtext(".//title") == site.title
    links = {a.get("href"): a.text_content() for a in page.iter("a")}
    chapters = sorted((book / "chapters").glob("*.md"))
    for number, chapter in enumerate(chapters, start=1):
        heading = chapter.read_text("utf-8").split("\n", 1)[0].lstrip("# ").strip()
        assert links.get(f"c{number:03d}.xhtml") == heading


def test_a_chapter_page_is_the_epubs_document_with_a_contents_sidebar_and_the_script(served):
    site, server, book = served
    status, headers, body = get(server, "/c002.xhtml")
    assert status == 200 and headers["Content-Type"].startswith("application/xhtml+xml")
    served_root = etree.fromstring(body)
    original = etree.fromstring(site.member("c002.xhtml").data)
    # The book's own body, unchanged, after the sidebar.
    served_body, original_body = served_root.find(f"{XHTML}body"), original.find(f"{XHTML}body")
    sidebar = served_body[0]
    assert sidebar.get("id") == "zhbook-preview-contents"
    assert [etree.tostring(e) for e in served_body[1:]] == [etree.tostring(e) for e in original_body]
    hrefs = [a.get("href") for a in sidebar.iter(f"{XHTML}a")]
    assert [h for h in hrefs if h.endswith(".xhtml")] == [name for name, _ in site.pages]
    text = "".join(served_body.itertext())
    second = (book / "chapters" / "02-basics.md").read_text("utf-8")
    assert second.split("\n", 1)[0].lstrip("# ").strip() in text
    head = served_root.find(f"{XHTML}head")
    assert [s.get("src") for s in head.iter(f"{XHTML}script")] == ["/_preview/live.js"]
    assert any(link.get("href") == "styles/book.css" for link in head.iter(f"{XHTML}link"))


def test_the_stylesheet_and_the_subset_fonts_are_the_epubs(served):
    site, server, _ = served
    status, _, css = get(server, "/styles/book.css")
    assert status == 200 and b"@font-face" in css
    fonts = [name for name in site.members if name.startswith("fonts/")]
    assert fonts
    for name in fonts:
        status, headers, data = get(server, "/" + name)
        assert status == 200 and data == site.member(name).data and headers["Content-Type"] == "font/otf"
        assert len(data) < (REPO / "fonts" / Path(name).name).stat().st_size / 10  # a subset, not the font


@pytest.mark.parametrize("path", [
    "/../../etc/passwd", "/%2e%2e/%2e%2e/etc/passwd", "/%2E%2E%2F%2E%2E%2Fetc%2Fpasswd", "/..%2f..%2fetc%2fpasswd",
    "/styles/../../../../etc/passwd", "/%252e%252e/etc/passwd", "//etc/passwd", "/etc/passwd", "/%ff%fe",
    "/fonts/", "/styles/", "/chapters/", "/chapters/01-intro.md", "/book.toml", "/_preview/", "/_preview/../book.toml",
    "/c001.xhtml/../../../etc/passwd", "/c001.xhtml%00.png",
])
def test_anything_else_is_a_404_never_a_file_or_a_listing(served, path):
    status, _, body = get(served[1], path)
    assert status == 404, path
    assert b"root:" not in body and b"<li>" not in body


def test_only_requests_for_the_loopback_address_are_answered(served):
    status, _, _ = get(served[1], "/", host="attacker.example:80")  # DNS rebinding
    assert status == 403
    assert served[1].server_address[0] == "127.0.0.1"


def test_the_event_stream_sends_the_state_at_once(served):
    site, server, _ = served
    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
    connection.request("GET", "/_preview/events")
    response = connection.getresponse()
    assert response.status == 200 and response.getheader("Content-Type").startswith("text/event-stream")
    assert response.readline() == b"event: state\n"
    data = response.readline()
    assert data.startswith(b"data: {") and f'"generation": {site.state.generation}'.encode() in data
    connection.close()
