"""What the preview's tests (tests/preview/) and its benchmark (bench/preview.py) drive:

- PreviewProcess: `build.py preview` in a subprocess on a free port, its address read from its output;
- Chromium: one page of Debian's Chromium driven step by step: tests/reader/drive.mjs (playwright-core,
  the packages tests/epub_reader.py installs) answering commands sent on its stdin.

    with PreviewProcess(book, out) as preview, Chromium(*tools()) as browser:
        browser.goto(preview.url + "c001.xhtml")
        browser.wait("document.body.textContent.includes('新')", timeout=5)
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
READER_DIR = REPO / "tests" / "reader"
DRIVER = READER_DIR / "drive.mjs"
VENV_PY = REPO / ".venv" / "bin" / "python"
ADDRESS = re.compile(r"serving (http://127\.0\.0\.1:\d+/)")


class PreviewProcess:
    """`build.py preview --port 0` on book into out, in a process of its own; its output is collected
    (self.output()) and its address is self.url once it serves."""

    def __init__(self, book: Path, out: Path, start_timeout: float = 300, env: dict | None = None):
        self.book, self.out, self.start_timeout = Path(book), Path(out), start_timeout
        self.env = env
        self.lines: list[str] = []
        self.url = ""
        self.process: subprocess.Popen | None = None

    def __enter__(self) -> PreviewProcess:
        python = str(VENV_PY) if VENV_PY.exists() else sys.executable
        self.process = subprocess.Popen([python, str(REPO / "build.py"), "preview", "--book", str(self.book),
                                         "--out", str(self.out), "--port", "0"], cwd=REPO, env=self.env,
                                        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                                        encoding="utf-8", start_new_session=True)
        self.reader = threading.Thread(target=self._collect, daemon=True)
        self.reader.start()
        deadline = time.monotonic() + self.start_timeout
        while not self.url:
            match = ADDRESS.search(self.output())
            if match:
                self.url = match.group(1)
            elif self.process.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise AssertionError(f"the preview did not start:\n{self.output()[-3000:]}")
            else:
                time.sleep(0.05)
        return self

    def _collect(self) -> None:
        for line in self.process.stdout:
            self.lines.append(line)

    def output(self) -> str:
        return "".join(self.lines)

    def wait_for_output(self, pattern: str, timeout: float, start: int = 0) -> re.Match:
        """The first match of pattern in the output lines from line number start on."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            match = re.search(pattern, "".join(self.lines[start:]))
            if match:
                return match
            time.sleep(0.05)
        raise AssertionError(f"no {pattern!r} in the preview's output within {timeout} s:\n{self.output()[-3000:]}")

    def stop(self, timeout: float = 15) -> int:
        """Ctrl-C (SIGINT to the preview process alone); its exit code. Killed, and the test fails,
        if it does not exit within timeout."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
                raise AssertionError(f"the preview did not stop within {timeout} s of SIGINT")
        self.reader.join(5)
        return self.process.returncode

    def __exit__(self, *exc) -> None:
        if self.process.poll() is None:
            try:
                self.stop()
            finally:
                try:  # whatever it left behind (the test of a clean stop checks there is nothing)
                    os.killpg(self.process.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass


def tools() -> tuple[str, str] | None:
    """node and chromium, or None when the machine has not got them."""
    node = shutil.which("node")
    chromium = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or shutil.which("chromium-browser")
    return (node, chromium) if node and chromium else None


class BrowserError(AssertionError):
    pass


class Chromium:
    def __init__(self, node: str, chromium: str, timeout: float = 60):
        self.node, self.chromium, self.timeout = node, chromium, timeout
        self.process: subprocess.Popen | None = None

    def __enter__(self) -> Chromium:
        self.process = subprocess.Popen([self.node, str(DRIVER), "--chromium", self.chromium], cwd=READER_DIR,
                                        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                        text=True, encoding="utf-8")
        return self

    def __exit__(self, *exc) -> None:
        if self.process is not None:
            self.process.stdin.close()
            try:
                self.process.wait(20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
            self.process.stdout.close()
            self.process.stderr.close()

    def _send(self, command: dict):
        self.process.stdin.write(json.dumps(command) + "\n")
        self.process.stdin.flush()
        line = self.process.stdout.readline()
        if not line:
            raise BrowserError(f"drive.mjs ended ({self.process.poll()}): {self.process.stderr.read()[-3000:]}")
        answer = json.loads(line)
        if not answer["ok"]:
            raise BrowserError(f"{command}: {answer['error']}")
        return answer.get("value")

    def goto(self, url: str) -> None:
        self._send({"goto": url})

    def eval(self, expression: str):
        return self._send({"eval": expression})

    def wait(self, expression: str, timeout: float = 10):
        """Poll expression in the page until it is truthy; its value."""
        return self._send({"wait": expression, "timeout": int(timeout * 1000)})

    def screenshot(self, path: Path) -> None:
        self._send({"screenshot": str(path)})

    def page_errors(self) -> list[str]:
        return self._send({"errors": True})
