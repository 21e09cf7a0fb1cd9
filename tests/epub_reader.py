"""Open the built EPUB in a real reader (epub.js in Debian's Chromium) and report what it shows.

render_epub_page(epub, "c002.xhtml", png) serves tests/reader/ and the EPUB from 127.0.0.1,
runs tests/reader/render.mjs (playwright-core driving the system chromium, never a downloaded
browser), saves a screenshot and returns the facts render.mjs read inside the epub.js iframe.
The npm packages are pinned in tests/reader/package-lock.json and installed by `npm ci` on first
use into tests/reader/node_modules (not committed).

run_ace(epub, out_dir) runs DAISY Ace (tests/reader/ace/, its own pinned package-lock.json) on the
EPUB with the same system chromium (puppeteer pointed at it; its browser download is skipped) and
returns Ace's report.json.
"""

from __future__ import annotations

import fcntl
import functools
import http.server
import json
import os
import shutil
import subprocess
import tempfile
from contextlib import contextmanager
from pathlib import Path

import pytest

from tests.helpers import local_http_server

READER_DIR = Path(__file__).resolve().parent / "reader"
ACE_DIR = READER_DIR / "ace"
RENDER_SCRIPT = READER_DIR / "render.mjs"
NODE_TIMEOUT = 90  # seconds for one render; a normal one takes 2-3 s
NPM_TIMEOUT = 300


def _tools() -> tuple[str, str]:
    """node and chromium, or skip. These two are machine prerequisites the test cannot install
    (we never download a browser), so their absence is the ONLY reason this helper skips: a
    failed npm ci, a crash in the script or a wrong answer from the reader all fail the test."""
    node = shutil.which("node")
    chromium = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or shutil.which("chromium-browser")
    if not node:
        pytest.skip("node is not installed (Debian: apt-get install -y nodejs npm); the reader test needs it")
    if not chromium:
        pytest.skip("chromium is not installed (Debian: apt-get install -y chromium); "
                    "the reader test uses the system browser and never downloads one")
    return node, chromium


def _installed_ok(folder: Path) -> bool:
    """Every package pinned in package.json is in node_modules at exactly that version."""
    wanted = json.loads((folder / "package.json").read_text("utf-8"))["dependencies"]
    for name, version in wanted.items():
        manifest = folder / "node_modules" / name / "package.json"
        if not manifest.is_file() or json.loads(manifest.read_text("utf-8")).get("version") != version:
            return False
    return True


def ensure_node_modules(folder: Path = READER_DIR) -> None:
    """npm ci in folder when node_modules is missing or not what the lock file pins.
    A file lock keeps parallel test workers from installing at the same time."""
    if _installed_ok(folder):
        return
    with open(Path(tempfile.gettempdir()) / f"zhbook-npm-{folder.name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if _installed_ok(folder):
            return
        npm = shutil.which("npm")
        if not npm:
            raise AssertionError("npm is missing but node is installed: install npm to set up " + str(folder))
        # --ignore-scripts: none of the pinned packages needs an install script, and neither
        # playwright-core nor puppeteer may fetch a browser.
        result = subprocess.run([npm, "ci", "--no-audit", "--no-fund", "--ignore-scripts"], cwd=folder,
                                capture_output=True, text=True, timeout=NPM_TIMEOUT,
                                env=dict(os.environ, PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD="1",
                                         PUPPETEER_SKIP_DOWNLOAD="1"))
        if result.returncode != 0 or not _installed_ok(folder):
            raise AssertionError(f"npm ci in {folder} failed ({result.returncode}):\n"
                                 f"{result.stdout[-3000:]}\n{result.stderr[-3000:]}")


def run_ace(epub_path: Path | str, out_dir: Path | str) -> dict:
    """DAISY Ace on the EPUB, in the system chromium; returns its report.json (EARL assertions)."""
    node, chromium = _tools()
    ensure_node_modules(ACE_DIR)
    out_dir = Path(out_dir)
    command = [node, str(ACE_DIR / "node_modules" / "@daisy" / "ace-cli" / "bin" / "ace.js"), "--force", "--silent",
               "--outdir", str(out_dir), "--tempdir", str(out_dir / "tmp"), str(epub_path)]
    env = dict(os.environ, PUPPETEER_EXECUTABLE_PATH=chromium, PUPPETEER_SKIP_DOWNLOAD="1",
               ACE_TIMEOUT_INITIAL="60000")  # Ace gives the browser 5 s to start by default
    result = subprocess.run(command, cwd=ACE_DIR, capture_output=True, text=True, timeout=300, env=env)
    report = out_dir / "report.json"
    if result.returncode != 0 or not report.is_file():
        raise AssertionError(f"Ace failed ({result.returncode}):\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}")
    return json.loads(report.read_text("utf-8"))


class _Handler(http.server.SimpleHTTPRequestHandler):
    """tests/reader/ at /, and the one EPUB under test at /book.epub (the routes render.mjs expects)."""

    epub: Path

    def translate_path(self, path: str) -> str:
        if path.split("?", 1)[0] == "/book.epub":
            return str(self.epub)
        return super().translate_path(path)

    def log_message(self, format: str, *args) -> None:  # keep pytest output clean
        pass


_Handler.extensions_map = {**http.server.SimpleHTTPRequestHandler.extensions_map,
                           ".js": "text/javascript", ".mjs": "text/javascript", ".epub": "application/epub+zip"}


@contextmanager
def serve(epub: Path):
    """An http server on 127.0.0.1 (a free port) in a thread; yields its base URL."""
    handler = type("Handler", (_Handler,), {"epub": Path(epub).resolve()})
    with local_http_server(functools.partial(handler, directory=str(READER_DIR))) as base_url:
        yield base_url


def render_epub_page(epub_path: Path | str, href: str, png_path: Path | str,
                     width: int = 600, height: int = 900, scale: int = 2, turns: int = 0) -> dict:
    """Display spine item `href` of the EPUB in epub.js (paginated, first page of that chapter; after
    `turns` next-page turns) at a phone-like width×height CSS px viewport, screenshot it to png_path,
    return render.mjs's JSON."""
    node, chromium = _tools()
    ensure_node_modules()
    png_path = Path(png_path)
    png_path.parent.mkdir(parents=True, exist_ok=True)
    with serve(Path(epub_path)) as base_url:
        command = [node, str(RENDER_SCRIPT), str(epub_path), href, str(png_path), "--width", str(width),
                   "--height", str(height), "--scale", str(scale), "--base-url", base_url, "--chromium", chromium,
                   "--next", str(turns)]
        try:
            result = subprocess.run(command, cwd=READER_DIR, capture_output=True, text=True, timeout=NODE_TIMEOUT)
        except subprocess.TimeoutExpired as exc:
            raise AssertionError(f"render.mjs took over {NODE_TIMEOUT} s for {href}:\n{exc.stderr}") from exc
    if result.returncode != 0:
        raise AssertionError(f"render.mjs failed ({result.returncode}) for {href}:\n{result.stderr[-5000:]}")
    return json.loads(result.stdout)


def screenshot_folder(scratch: Path) -> Path:
    """Where a reader test writes its screenshots: $ZHBOOK_READER_SHOTS to keep them, else scratch."""
    keep = os.environ.get("ZHBOOK_READER_SHOTS")
    return Path(keep) if keep else scratch
