"""build.py import on a corpus of scraped articles it was not tuned on (tests/data/articles/web/): portal news,
WeChat public-account posts, Zhihu answers, forum posts and blog posts, in UTF-8 (with and without a BOM), GBK,
GB18030, Big5 and UTF-16, each with the site's clutter as the page serves it.

Each article's expectations (NAME.toml beside NAME.txt) give the title, the author, the headings, the source
lines that must go and every sentence of the body. Each article is imported and built (EPUB) by the real
command line in this process; what is measured is the built EPUB: the sentences of its chapters and colophon.
Sentences are compared as sets, folded (spaces out, full-width marks as ASCII, 。 as .), so the punctuation
rule's changes do not count as losses."""

from __future__ import annotations

import codecs
import re
import tomllib
from pathlib import Path

import pytest

from tests.helpers import epub_documents
from tests.importer.test_import import EpubCheckBatch, cli_main
from zhbook.importer.write import KINDS_HANT

pytestmark = pytest.mark.slow

CORPUS = Path(__file__).resolve().parent.parent / "data" / "articles" / "web"
NAMES = sorted(path.stem for path in CORPUS.glob("*.txt"))
FOLD = str.maketrans("，？！：；（）“”‘’。、", ",?!:;()\"\"''.,")
BLOCKS = ("p", "li", "h1", "h2", "h3", "h4", "h5", "h6", "pre")


def folded(text: str) -> str:
    """The words alone: no spaces (nor the invisible ones), full-width marks as ASCII, 。 as a full stop."""
    return re.sub(r"[\s\u200b\u3000]+", "", text).translate(FOLD)


def letters(text: str) -> str:
    return re.sub(r"[\W_]+", "", text)


def sentences(text: str) -> list[str]:
    """text folded and cut after each . ! ? and a closing quote after it (a decimal point cuts too, the same
    on both sides)."""
    return [part for part in re.findall(r"[^.!?]+(?:[.!?]+[\"']?|$)", folded(text)) if part.strip(".!?\"'")]


def expectations(name: str) -> dict:
    return tomllib.loads((CORPUS / f"{name}.toml").read_text("utf-8"))


def source_lines(name: str) -> list[str]:
    """The article's lines, read with the codec its expectations name (not by the importer's decoder)."""
    text = (CORPUS / f"{name}.txt").read_bytes().decode(expectations(name)["encoding"])
    return [line.strip() for line in text.lstrip("\ufeff").splitlines()]


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> dict[str, dict]:
    """Every article imported and built (EPUB); EPUBCheck on every EPUB in one Java VM."""
    root = tmp_path_factory.mktemp("corpus")
    checker = EpubCheckBatch(root)
    results = {}
    for name in NAMES:
        out = root / name / "book"
        result = results[name] = {"out": out, "import": cli_main("import", CORPUS / f"{name}.txt", "--out", out)}
        if result["import"].returncode != 0:
            continue
        result["meta"] = tomllib.loads((out / "book.toml").read_text("utf-8"))
        result["toml"] = (out / "book.toml").read_text("utf-8")
        result["build"] = cli_main("epub", "--book", out, "--out", out.parent / "dist")
        epubs = sorted((out.parent / "dist").glob("*.epub"))
        if result["build"].returncode == 0 and len(epubs) == 1:
            result["epub"] = epubs[0]
            checker.submit(name, epubs[0])
            documents = dict(epub_documents(epubs[0]))
            text_docs = [doc for path, doc in documents.items()
                         if re.search(r"/c\d+\.xhtml$", path) or path.endswith("/colophon.xhtml")]
            result["blocks"] = [("".join(element.itertext()), element.tag.split("}")[1])
                                for doc in text_docs for element in doc.iter()
                                if isinstance(element.tag, str) and element.tag.split("}")[1] in BLOCKS]
    for name, messages in checker.results().items():
        results[name]["epubcheck"] = messages
    return results


def test_the_corpus_is_wide():
    sites = [expectations(name)["site"] for name in NAMES]
    assert len(NAMES) >= 20
    for kind in ("portal news", "WeChat", "Zhihu", "forum", "blog"):
        assert sum(kind in site for site in sites) >= 3, kind
    assert {expectations(name)["encoding"] for name in NAMES} >= {"utf-8", "utf-8-sig", "gbk", "gb18030", "big5",
                                                                   "utf-16"}


@pytest.mark.parametrize("name", NAMES)
def test_each_file_really_is_in_its_encoding(name):
    raw, codec = (CORPUS / f"{name}.txt").read_bytes(), expectations(name)["encoding"]
    raw.decode(codec)
    if codec in ("gbk", "gb18030", "big5"):
        with pytest.raises(UnicodeDecodeError):
            raw.decode("utf-8")
    if codec == "gb18030":  # characters GBK lacks
        with pytest.raises(UnicodeDecodeError):
            raw.decode("gbk")
    assert raw.startswith(codecs.BOM_UTF8) == (codec == "utf-8-sig")
    assert raw.startswith(codecs.BOM_UTF16_LE) == (codec == "utf-16")


@pytest.mark.parametrize("name", NAMES)
def test_import_and_build_succeed_and_epubcheck_is_clean(built, name):
    result = built[name]
    assert result["import"].returncode == 0, result["import"].stderr
    assert result["build"].returncode == 0, result["build"].stderr
    assert "epub" in result
    assert {sev: msgs for sev, msgs in result["epubcheck"].items() if sev in ("FATAL", "ERROR", "WARNING")} == {}


@pytest.mark.parametrize("name", NAMES)
def test_title_author_language_and_no_site_name_in_book_toml(built, name):
    expected, result = expectations(name), built[name]
    meta = result["meta"]
    # The headline, perhaps split into title and subtitle at its ：？——.
    assert letters(meta["title"] + meta.get("subtitle", "")) == letters(expected["title"])
    assert meta["author"] == expected["author"]
    assert meta["language"] == expected["language"]
    for site in expected["site_names"]:
        assert site not in result["toml"], site


@pytest.mark.parametrize("name", NAMES)
def test_headings(built, name):
    expected, result = expectations(name), built[name]
    chapters = "".join((result["out"] / chapter).read_text("utf-8") for chapter in result["meta"]["chapters"])
    colophon = (result["out"] / result["meta"]["colophon"]).read_text("utf-8")
    headings = [[len(m.group(1)), re.sub(r"\\(.)", r"\1", m.group(2))]
                for m in re.finditer(r"^(#{1,6}) (.+)$", chapters, re.M)]
    # Headings the importer supplies (引言, 结语, the book's title over a text without headings) are named in
    # the colophon as added; the rest are the article's.
    added = set(re.findall(r"[“「](.+?)[”」][为為]整理[时時]所加", colophon))
    whole = re.search("以[书書]名[为為]章[题題]", colophon) is not None
    own = [heading for heading in headings if heading[1] not in added
           and not (heading[1] == result["meta"]["title"] and whole)]
    assert own == expected["headings"]


@pytest.mark.parametrize("name", NAMES)
def test_every_sentence_of_the_body_is_kept(built, name):
    expected, result = expectations(name), built[name]
    found = {sentence for text, _ in result["blocks"] for sentence in sentences(text)}
    lost = [sentence for line in expected["body"] + expected["colophon"] for sentence in sentences(line)
            if sentence not in found]
    assert lost == []


@pytest.mark.parametrize("name", NAMES)
def test_no_clutter_is_left_in_the_book(built, name):
    """Every sentence of the built book's chapters is the article's (body, headings, title, the colophon's
    moved lines) or the colophon's editor's note; no removed line is a paragraph of it."""
    expected, result = expectations(name), built[name]
    allowed = {sentence for line in expected["body"] + expected["colophon"] + [h for _, h in expected["headings"]]
               + [result["meta"]["title"], result["meta"].get("subtitle", ""), "引言", "结语", "結語"]
               for sentence in sentences(line)}
    extra = [text for text, tag in result["blocks"]
             if "编者说明" not in text and "編者說明" not in text and any(sentence not in allowed for sentence in sentences(text))]
    assert extra == []
    paragraphs = {folded(text) for text, tag in result["blocks"] if not tag.startswith("h")}
    assert [line for line in expected["removed"] if folded(line) in paragraphs] == []


@pytest.mark.parametrize("name", NAMES)
def test_every_removed_line_is_reported_with_its_line_number(built, name):
    expected, result = expectations(name), built[name]
    lines, report = source_lines(name), result["import"].stderr
    path = CORPUS / f"{name}.txt"
    reported = {int(number) for number in re.findall(rf"^\s*{re.escape(str(path))}:(\d+): ", report, re.M)}
    for line in set(expected["removed"]):
        numbers = [number for number, text in enumerate(lines, start=1) if text == line]
        assert numbers, f"test data: {line!r} is not a line of {name}.txt"
        # (A line that is also kept elsewhere, a table of contents' entry, is reported where it is removed.)
        assert len(reported.intersection(numbers)) >= expected["removed"].count(line), (numbers, line)


# Kinds the colophon names → the reasons the report gives for them.
KINDS = {"图注和图片占位": ("image credit", "figure caption or image placeholder"), "编辑署名": ("editor line",),
         "字号切换": ("font-size switcher",), "推荐链接": ("related-reading link", "related-reading list"),
         "网站导航": ("end mark", "separator line", "breadcrumb navigation", "topic tags", "site navigation",
                  "table of contents")}


@pytest.mark.parametrize("name", NAMES)
def test_the_colophon_says_what_was_removed_from_this_article(built, name):
    """The colophon counts the removed lines and names their kinds: a kind the report has, and only those."""
    result = built[name]
    colophon = (result["out"] / result["meta"]["colophon"]).read_text("utf-8")
    reasons = re.findall(r": removed \((.+?)\): ", result["import"].stderr)
    summary = re.search(r"(?:删去了网页上不属于正文|刪去了網頁上不屬於正文)的 (\d+) 行（(.+?)）", colophon)
    assert summary and int(summary.group(1)) == len(reasons)
    counts = {kind: int(count) for kind, count in re.findall(r"([^、\s]+) (\d+) 行", summary.group(2))}
    assert sum(counts.values()) == len(reasons) and all(counts.values())
    traditional = result["meta"]["language"] == "zh-Hant"
    for kind, kind_reasons in KINDS.items():
        kind = KINDS_HANT[kind] if traditional else kind
        assert counts.get(kind, 0) == sum(reason in kind_reasons for reason in reasons), kind
    assert ("編者說明" in colophon) == traditional and ("编者说明" in colophon) != traditional
    for expected_line in expectations(name)["colophon"]:
        assert folded(expected_line) in folded(colophon)
