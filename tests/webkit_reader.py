"""A second real reading engine: WebKit (WebKitGTK, the engine family of Apple Books and Kobo's kepub
renderer), as Debian ships it, driven by Selenium through WebKitWebDriver (webkit2gtk-driver) under Xvfb.

webkit_session(folder) serves folder (an unpacked EPUB) from 127.0.0.1 and yields (driver, base URL).
The browser runs with a fontconfig that knows no font at all, so any character on screen was drawn by
the EPUB's own @font-face fonts: without them Chinese text has nothing to be drawn with.

WebKit, Xvfb and the driver are Debian packages .ci/run installs. Where they are missing a test skips on a
developer's machine but fails under CI (CI=true), so a broken install cannot pass unseen.
"""

from __future__ import annotations

import functools
import glob
import http.server
import os
import random
import shutil
import subprocess
import tempfile
import threading
import time
from contextlib import contextmanager
from pathlib import Path

import pytest

from tests.helpers import local_http_server

DRIVER = "WebKitWebDriver"
BROWSER_GLOB = "/usr/lib/*/webkit2gtk-4.*/MiniBrowser"
FONTCONFIG_WITHOUT_FONTS = """<?xml version="1.0"?>
<!DOCTYPE fontconfig SYSTEM "fonts.dtd">
<fontconfig><cachedir>{cache}</cachedir></fontconfig>
"""


def _missing(what: str) -> None:
    message = (f"{what} is not installed (Debian: apt-get install -y webkit2gtk-driver xvfb); "
               "the WebKit reader test needs it")
    if os.environ.get("CI"):
        pytest.fail(message)
    pytest.skip(message)


def _tools() -> tuple[str, str, str]:
    driver, xvfb = shutil.which(DRIVER), shutil.which("Xvfb")
    browsers = sorted(glob.glob(BROWSER_GLOB))
    if not driver:
        _missing(DRIVER)
    if not browsers:
        _missing("WebKitGTK's MiniBrowser")
    if not xvfb:
        _missing("Xvfb")
    return driver, browsers[-1], xvfb


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    extensions_map = {**http.server.SimpleHTTPRequestHandler.extensions_map,
                      ".xhtml": "application/xhtml+xml", ".otf": "font/otf", ".ttf": "font/ttf", ".css": "text/css"}

    def log_message(self, *args) -> None:
        pass


def _server(folder: Path):
    return local_http_server(functools.partial(_QuietHandler, directory=str(folder)))


@contextmanager
def _xvfb(xvfb: str, size: str):
    """An X server on a display of its own: a random high number no other server has a socket for.
    (-displayfd's choice of the lowest free number raced with other X servers on this shared machine.)"""
    for number in random.sample(range(100, 1000), 30):
        if Path(f"/tmp/.X11-unix/X{number}").exists():
            continue
        # -noreset: by default the server resets when its last client leaves, and a browser process
        # connecting in that moment gets "cannot open display".
        process = subprocess.Popen([xvfb, f":{number}", "-screen", "0", f"{size}x24", "-nolisten", "tcp", "-noreset"],
                                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 15
        while process.poll() is None and not Path(f"/tmp/.X11-unix/X{number}").exists() and time.monotonic() < deadline:
            time.sleep(0.05)
        if process.poll() is None and Path(f"/tmp/.X11-unix/X{number}").exists():
            try:
                yield f":{number}"
            finally:
                process.terminate()
                process.wait(timeout=10)
            return
        process.kill()
        process.wait()
    raise AssertionError("Xvfb did not start on any display")


def _driver(options, service, timeout: float = 40):
    """webdriver.WebKitGTK(…), or None if the session did not start within timeout (the driver is stopped)."""
    from selenium import webdriver

    made: dict = {}

    def start() -> None:
        try:
            made["driver"] = webdriver.WebKitGTK(options=options, service=service)
        except Exception as exc:  # reported below, after the retries
            made["error"] = exc

    thread = threading.Thread(target=start, daemon=True)
    thread.start()
    thread.join(timeout)
    if "driver" in made:
        return made["driver"]
    if service.process is not None and service.process.poll() is None:
        service.process.kill()
        service.process.wait()
    thread.join(10)
    return None


@contextmanager
def webkit_session(folder: Path, width: int = 600, height: int = 900, attempts: int = 3):
    """(driver, base URL) for the files in folder, in WebKitGTK with no system fonts."""
    from selenium.webdriver.webkitgtk.options import Options
    from selenium.webdriver.webkitgtk.service import Service

    driver_path, browser, xvfb = _tools()
    with tempfile.TemporaryDirectory(prefix="zhbook-webkit-") as scratch, _server(folder) as base:
        fonts_conf = Path(scratch) / "fonts.conf"
        fonts_conf.write_text(FONTCONFIG_WITHOUT_FONTS.format(cache=Path(scratch) / "fc-cache"), "utf-8")
        for attempt in range(attempts):
            with _xvfb(xvfb, "1400x2000") as display:
                env = dict(os.environ, DISPLAY=display, FONTCONFIG_FILE=str(fonts_conf),
                           NO_AT_BRIDGE="1")
                options = Options()
                options.binary_location = browser
                options.add_argument("--automation")
                log = Path(scratch) / f"driver-{attempt}.log"
                driver = _driver(options, Service(executable_path=driver_path, env=env, log_output=str(log)))
                if driver is None:
                    continue  # a session that hung at its start: a new X server and browser
                # A command WebKit never answers fails after a minute instead of hanging the test run.
                driver.command_executor._client_config.timeout = 60
                try:
                    driver.set_window_size(width, height)
                    driver.set_page_load_timeout(60)
                    driver.set_script_timeout(60)
                    yield driver, base
                finally:
                    driver.quit()
                return
        logs = " | ".join(p.read_text("utf-8", "replace")[-400:] for p in sorted(Path(scratch).glob("driver-*.log")))
        raise AssertionError(f"WebKit did not start in {attempts} attempts: {logs}")


def with_retry(work, attempts: int = 2):
    """work() again if WebKit stopped answering the first time (a rare hang of WebKitGTK under Xvfb on a
    loaded machine); a second failure is the test's."""
    for attempt in range(attempts):
        try:
            return work()
        except Exception as exc:  # selenium's timeout or a dropped connection
            if attempt == attempts - 1:
                raise
            print(f"WebKit did not answer ({type(exc).__name__}); trying once more")


FACTS = """
const done = arguments[arguments.length - 1];
document.fonts.ready.then(() => {
  const p = document.querySelector(arguments[0]);
  const style = p ? getComputedStyle(p) : null;
  done({
    lang: document.documentElement.lang,
    fonts: [...document.fonts].map(f => ({family: f.family.replace(/"/g, ''), status: f.status})),
    font_family: style ? style.fontFamily : null,
    text: p ? p.textContent : '',
    checked: p ? document.fonts.check('1em "ZH Serif"', p.textContent) : null,
    visible_text: document.body.innerText,
    user_agent: navigator.userAgent,
  });
});
"""

# The @font-face rules taken out of the page's stylesheets: what the same text looks like without the
# embedded fonts (with no system fonts either: nothing, or boxes).
WITHOUT_EMBEDDED_FONTS = """
for (const sheet of document.styleSheets) {
  for (let i = sheet.cssRules.length - 1; i >= 0; i--) {
    if (sheet.cssRules[i].type === CSSRule.FONT_FACE_RULE) sheet.deleteRule(i);
  }
}
return document.fonts.size;
"""
