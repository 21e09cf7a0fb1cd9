"""Reader profiles (build.py epub --reader …) and the pre-flight check (build.py check FILE.epub), on real
builds: each profile's EPUB passes EPUBCheck 0/0 and the reader rules, differs from the default only where
its reader needs it, and `check` works on EPUBs made by Pandoc and calibre too."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from lxml import etree

from tests.helpers import REPO, XHTML, epub_text, run_build
from zhbook.epub.readers import PROFILES

pytestmark = pytest.mark.slow
ENV = dict(os.environ, SOURCE_DATE_EPOCH="1700000000")
NAMES = {"standard": "features.epub", "apple": "features.apple.epub", "kindle": "features.kindle.epub",
         "kobo": "features.kepub.epub", "duokan": "features.duokan.epub", "weread": "features.weread.epub"}


@pytest.fixture(scope="module")
def profiles(tmp_path_factory) -> dict[str, Path]:
    """examples/features (it has notes) built for every profile into one folder."""
    out = tmp_path_factory.mktemp("profiles")
    for name in PROFILES:
        run_build("epub", "-q", "--reader", name, "--book", "examples/features", "--out", out, env=ENV)
    return {name: out / NAMES[name] for name in PROFILES}


def check(path: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "build.py", "check", str(path)], cwd=REPO, capture_output=True,
                          text=True, timeout=600)


def entries(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def test_every_profile_is_named_as_documented(profiles):
    assert set(NAMES) == set(PROFILES)
    assert sorted(p.name for p in profiles["standard"].parent.iterdir()) == sorted(NAMES.values())


@pytest.mark.parametrize("name", list(NAMES))
def test_build_py_check_passes_each_profile(profiles, name):
    result = check(profiles[name])
    assert result.returncode == 0, result.stdout + result.stderr
    summary = result.stdout.strip().splitlines()[-1]
    assert summary.endswith("EPUBCheck 0 error(s), 0 warning(s); reader rules: 0 finding(s) that break a reader, "
                            f"{summary.rsplit(', ', 1)[1]}"), summary
    assert "EPUBCheck:" not in result.stdout  # not one EPUBCheck message, not even a warning
    advice = [line for line in result.stdout.splitlines()[:-1]]
    assert all(line.endswith("(advice)") for line in advice), advice
    # The kepub advice is gone for Kobo's profile only; the note-form advice for 多看 and 微信读书's.
    assert any(line.startswith("Kobo:") for line in advice) == (name != "kobo")
    assert any(line.startswith("微信读书/掌阅:") for line in advice) == (name not in ("weread", "duokan"))


def test_apple_and_kindle_are_the_default_under_another_name(profiles):
    """The default is already safe for them: the profiles exist so that the command is obvious."""
    assert entries(profiles["apple"]) == entries(profiles["standard"]) == entries(profiles["kindle"])


def test_kobo_differs_only_by_its_spans_and_name(profiles):
    standard, kobo = entries(profiles["standard"]), entries(profiles["kobo"])
    assert standard.keys() == kobo.keys()
    changed = sorted(name for name in standard if standard[name] != kobo[name])
    assert changed and all(name.endswith(".xhtml") and name != "EPUB/nav.xhtml" for name in changed)
    c001 = etree.fromstring(kobo["EPUB/c001.xhtml"])
    spans = c001.findall(f".//{XHTML}span[@class='koboSpan']")
    assert len(spans) > 20
    ids = [span.get("id") for span in spans]
    assert len(set(ids)) == len(ids) and all(re.fullmatch(r"kobo\.\d+\.\d+", i) for i in ids)
    # Only spans were added: the text reads the same.
    assert epub_text(profiles["kobo"]) == epub_text(profiles["standard"])
    first = c001.find(f".//{XHTML}p")
    assert first[0].get("class") == "koboSpan" and first[0].text.endswith("。")


def test_duokan_notes_are_duokan_markup(profiles):
    files = entries(profiles["duokan"])
    assert "EPUB/images/note.png" in files
    c001 = etree.fromstring(files["EPUB/c001.xhtml"])
    calls = c001.findall(f".//{XHTML}a[@class='duokan-footnote']")
    assert calls and all(call.find(f"{XHTML}img").get("src") == "images/note.png" for call in calls)
    items = c001.findall(f".//{XHTML}ol[@class='duokan-footnote-content']/{XHTML}li[@class='duokan-footnote-item']")
    assert [item.get("id") for item in items] == [call.get("href")[1:] for call in calls]
    assert c001.find(f".//{XHTML}aside") is None
    assert "duokan-page-fullscreen" not in files["EPUB/content.opf"].decode()  # EPUBCheck rejects it


def test_weread_notes_are_a_linked_list_not_asides(profiles):
    c001 = etree.fromstring(entries(profiles["weread"])["EPUB/c001.xhtml"])
    assert c001.find(f".//{XHTML}aside") is None
    items = c001.findall(f".//{XHTML}section[@class='endnotes']/{XHTML}ol/{XHTML}li")
    assert items
    for item in items:
        back = item.find(f"{XHTML}p/{XHTML}a")
        assert back.get("role") == "doc-backlink" and item.find(f"{XHTML}p").text is None  # the link first


def test_the_default_epub_declares_fonts_for_apple_and_claims_no_conformance(profiles):
    files = entries(profiles["standard"])
    options = etree.fromstring(files["META-INF/com.apple.ibooks.display-options.xml"])
    assert options.find("platform/option[@name='specified-fonts']").text == "true"
    opf = files["EPUB/content.opf"].decode()
    assert "dcterms:conformsTo" not in opf and "a11y:certifiedBy" not in opf
    assert 'property="schema:accessibilitySummary"' in opf  # the rest of the accessibility metadata stays
    for name, data in files.items():
        if name.endswith(".xhtml"):
            assert re.match(rb"<\?xml version=['\"]1.0['\"] encoding=['\"]utf-8['\"]\?>", data), name


def test_a_claim_in_book_toml_is_in_the_package(tmp_path):
    book = tmp_path / "book"
    (book / "chapters").mkdir(parents=True)
    (book / "chapters" / "01.md").write_text("# 第一章\n\n正文。\n", "utf-8")
    (book / "book.toml").write_text('title = "书"\nauthor = "某人"\nlanguage = "zh-Hans"\nslug = "b"\n'
                                    '[accessibility]\nconforms_to = "EPUB Accessibility 1.1 - WCAG 2.2 Level AA"\n'
                                    'certified_by = "某评测机构"\n', "utf-8")
    run_build("epub", "-q", "--book", book, "--out", tmp_path / "out", env=ENV)
    opf = entries(tmp_path / "out" / "b.epub")["EPUB/content.opf"].decode()
    assert '<meta property="dcterms:conformsTo">EPUB Accessibility 1.1 - WCAG 2.2 Level AA</meta>' in opf
    assert '<meta property="a11y:certifiedBy">某评测机构</meta>' in opf


def test_our_build_fails_on_a_finding_that_breaks_a_reader(tmp_path):
    """The book's own stylesheet uses a CSS custom property, which Send-to-Kindle rejects: the build
    says where, and writes nothing."""
    book = tmp_path / "book"
    (book / "chapters").mkdir(parents=True)
    (book / "chapters" / "01.md").write_text("# 第一章\n\n正文。\n", "utf-8")
    (book / "custom.css").write_text(":root { --gap: 1em; }\np { margin-bottom: var(--gap); }\n", "utf-8")
    (book / "book.toml").write_text('title = "书"\nauthor = "某人"\nlanguage = "zh-Hans"\nslug = "b"\n'
                                    'styles = ["custom.css"]\n', "utf-8")
    result = run_build("epub", "--book", book, "--out", tmp_path / "out", env=ENV, check=False)
    assert result.returncode == 1
    [line] = result.stderr.strip().splitlines()
    assert re.match(r"error: .*b\.epub: the standard EPUB would break a reader: Kindle: EPUB/styles/book\.css:\d+: "
                    r"the CSS custom property '--gap'", line), line
    assert not (tmp_path / "out" / "b.epub").exists()
    assert [p.name for p in (tmp_path / "out").iterdir()] == []  # no temporary file left either


def test_check_without_a_file_checks_the_built_book_and_a_non_epub_is_one_line(tmp_path):
    run_build("epub", "-q", "--book", "examples/features", "--out", tmp_path, env=ENV)
    result = subprocess.run([sys.executable, "build.py", "check", "--book", "examples/features", "--out",
                             str(tmp_path)], cwd=REPO, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0 and "features.epub: EPUBCheck 0 error(s)" in result.stdout, result.stdout
    (tmp_path / "not.epub").write_text("hello", "utf-8")
    result = check(tmp_path / "not.epub")
    assert result.returncode == 1
    assert len(result.stderr.strip().splitlines()) == 1 and result.stderr.startswith("error: "), result.stderr


def _pandoc(book: str, out: Path) -> Path:
    chapters = sorted((REPO / book / "chapters").glob("*.md"))
    subprocess.run(["pandoc", "-o", str(out), "--metadata", "title=书", "--metadata", "lang=zh-Hans",
                    "--resource-path", str(REPO / book / "chapters"), *map(str, chapters)],
                   check=True, capture_output=True, timeout=120)
    return out


def test_check_on_a_pandoc_epub_of_the_sample_book(tmp_path):
    """Pandoc's EPUB of the sample book (no notes, no fonts) breaks no reader: exit 0, advice only."""
    assert shutil.which("pandoc"), "pandoc is installed by .ci/run"
    result = check(_pandoc("book", tmp_path / "sample.epub"))
    assert result.returncode == 0, result.stdout + result.stderr
    findings = result.stdout.strip().splitlines()[:-1]
    assert findings and all(line.endswith("(advice)") for line in findings), findings


def test_check_on_a_pandoc_epub_with_notes_finds_the_kindle_backlink(tmp_path):
    """Pandoc puts a note's link back at its end, which Kindle's pop-ups do not take: exit 1."""
    result = check(_pandoc("examples/features", tmp_path / "features.epub"))
    assert result.returncode == 1
    kindle = [line for line in result.stdout.splitlines() if line.startswith("Kindle: ")]
    assert kindle and all("the link back from note" in line for line in kindle), result.stdout
    assert re.match(r"Kindle: EPUB/text/ch\d+\.xhtml:\d+: ", kindle[0])


def test_check_on_a_calibre_epub_of_our_book(tmp_path, profiles):
    """calibre's conversion keeps our fonts but drops Apple's display options and the script subtag."""
    assert shutil.which("ebook-convert"), "calibre is installed by .ci/run"
    out = tmp_path / "calibre.epub"
    subprocess.run(["ebook-convert", str(profiles["standard"]), str(out)], check=True, capture_output=True,
                   timeout=300, env=dict(os.environ, QT_QPA_PLATFORM="offscreen"))
    result = check(out)
    assert result.returncode == 1
    assert any(line.startswith("Apple Books: META-INF/com.apple.ibooks.display-options.xml: ")
               for line in result.stdout.splitlines()), result.stdout
