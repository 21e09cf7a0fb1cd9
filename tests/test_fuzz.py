"""Property: whatever Markdown an author writes, the build either stops with one clear line or
writes an EPUB that EPUBCheck accepts (0 fatal errors, 0 errors).

Hypothesis writes a book folder per example (CJK, Latin, emoji and ZWJ sequences, astral and
combining characters, control characters, nested lists and quotes, tables, footnotes, raw HTML
tag soup with scripts and bad attributes, images good and bad, very long lines) and runs the real
command line in-process (zhbook.cli.main), then the real EPUBCheck on the EPUB it wrote, in one
Java VM for all examples (tests.epubcheck_jvm).

One shortcut, for time only: subsetting a CJK font costs about a second per face, and every
example would need new subsets. The characters the generator draws from are a fixed ALPHABET, and
each subset is cut for the book's characters *plus* that alphabet, so after the first example the
subsets come from the font cache. The fonts in each EPUB are still real subsets holding every
character of the book; everything else is exactly what the builder writes.

FUZZ_EXAMPLES sets the number of examples (200 by default, what `make test` runs); `make fuzz` runs
more. In CI (CI=true) the examples are derandomised, so a submission's result does not depend on luck;
elsewhere each run explores new ones and Hypothesis keeps failures in .hypothesis/ to replay them.
"""

from __future__ import annotations

import contextlib
import io
import os
import tempfile
import zipfile
from pathlib import Path
from unittest import mock

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from tests import epubcheck_jvm
from tests.cli_checks import png
from zhbook import cli
from zhbook.assets.fonts import FontSet

FUZZ_EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "200"))

# Text is drawn from these pools: common Han characters (roughly by frequency), CJK punctuation, Latin,
# emoji (ZWJ sequences, flags, skin tones), astral and combining sequences, odd and forbidden characters.
HAN = ("的一是在不了有和人这中大为上个国我以要他时来用们生到作地于出就分对成会可主发年动同工也能下过子说产种"
       "面而方后多定行学法所民得经十三之进着等部度家电力里如水化高自二理起小物现实加量都两体制机当使点从业本"
       "去把性好应开它合还因由其些然前外天政四日那社义事平形相全表间样与关各重新线内数正心反你明看原又么利比"
       "或但质气第向道命此变条只没结解问意建月公无系军很情者最立代想已通并提直题党程展五果料象员革位入常文总"
       "次品式活设及管特件长求老头基资边流路级少图山统接知较将组见计别她手角期根论运农指几九区强放决西被干做"
       "必战先回则任取据处理府研质")
PUNCTUATION = "，。、；：？！“”‘’（）《》〔〕…—·「」『』【】〈〉　"
LATIN = ["Hello", "world", "naïve", "façade", "Straße", "ĳ", "ﬁ", "Ωμέγα", "Русский", "x", "42", "3.14",
         "e=mc²", "a_b", "C++", "AT&T", "1<2", "x>y", "50%", "#tag", "@user", "~tilde~", "^sup^"]
EMOJI = ["😀", "👍🏽", "👨‍👩‍👧‍👦", "🏳️‍🌈", "🇨🇳", "❤️", "🧑🏿‍💻", "1️⃣", "☺︎"]
ASTRAL = ["𠮷", "𩸽", "𪚥", "𫝀", "𬺰", "𰻞", "𝐀", "𝔘", "🀄", "𓀀"]
COMBINING = ["e\u0301", "a\u0308\u0323", "葛\U000E0100", "\u0301", "ᄀ\u1161\u11a8", "n\u0303", "\u20dd"]
ODD = ["\t", "\u00a0", "\u200b", "\u200d", "\u2028", "\u2029", "\u202e", "\u2066", "\ufeff", "\u3000",
       "\ue000", "\U000f0000", "\u0378", "\u2ff0", "\u3007", "\x00", "\x07", "\x0b", "\x0c", "\x1b", "\x7f",
       "\x85", "\x9f", "\ufdd0", "\ufffe", "\uffff", "\U0001fffe", "\U0010ffff", "\ufffd", "\r", "\r\n"]
MARKDOWN_CHARS = list("*_`[]()#>-+|\\<&!~^=:{}.\"'")
# Every character the generator can produce, for the font subsets (see the module docstring).
ALPHABET = (set(HAN) | set(PUNCTUATION) | set("".join(LATIN + EMOJI + ASTRAL + COMBINING + ODD + MARKDOWN_CHARS))
            | {chr(c) for c in range(0x20, 0x7F)})

RAW_FRAGMENTS = [
    "<script>alert(1)</script>", "<script src='x.js'></script>", "<iframe src='https://example.com'></iframe>",
    "<object data='x.swf'><param name='a' value='b'><embed src='x.swf'></object>", "<embed src='a.swf'>",
    "<img src='images/dot.png' onerror='alert(1)'>", "<a href='javascript:alert(1)'>j</a>",
    "<a href=' JaVa&#09;Script:x'>k</a>",
    "<a href='vbscript:x'>v</a>", "<p onclick=\"x()\" onmouseover='y'>p</p>", "<body onload='x'>b</body>",
    "<svg onload='x'><script>1</script><circle r='1'/></svg>", "<math><mi>x</mi></math>",
    "<style>p{color:red}</style>", "<link rel=stylesheet href=x.css>", "<meta http-equiv=refresh content=0>",
    "<form action='x'><input name=a><button>b</button></form>", "<video src='x.mp4'></video>",
    "<div>unclosed", "<b>bold", "</i>", "</div></div>", "<p>a<p>b", "<table><tr><td>1</table>",
    "<table>text<td>x</td></table>", "<tr><td>orphan</td></tr>", "<li>lone item</li>", "<ul><p>x</p></ul>",
    "<dl><dd>a</dd><dt>b</dt></dl>", "<ruby>漢<rt>kan</rt></ruby>", "<ruby><rt>x</rt></ruby>",
    "<figure><p>a</p><figcaption>c</figcaption><p>b</p></figure>", "<h2 id='dup'>h</h2><h2 id='dup'>h</h2>",
    "<span id='c001-h1'>clash</span>", "<a href='#c001-h1'>top</a>", "<a href='#nowhere'>x</a>",
    "<a href='#dup'>d</a>", "<p id='1bad id'>x</p>", "<p lang='not a lang' dir='sideways'>x</p>",
    "<ol start='x' type='z' reversed><li value='q'>a</li></ol>", "<td colspan='0' rowspan='-1'>c</td>",
    "<p epub:type='footnote' role='button'>x</p>", "<center>c</center>", "<font color=red>f</font>",
    "<marquee>m</marquee>", "<custom-element>x</custom-element>", "<x:foo>ns</x:foo>",
    "<p style='background:url(javascript:x)'>s</p>", "<!-- comment -->", "<!-- unclosed comment",
    "<![CDATA[ cdata ]]>", "<?php echo 1; ?>", "<!DOCTYPE html>", "&", "&amp", "&bogus;", "&#0;", "&#x1;",
    "&#xD800;", "&#1114112;", "&#x110000;", "&nbsp;", "<", "< p>", "<p", "a < b > c", "<br>", "<br/>", "</br>",
    "<hr>", "<wbr>", "<a><a>nested</a></a>", "<a href='https://example.com'><div>block</div></a>",
    "<p><div>block in p</div></p>", "<h1><p>p in h1</p></h1>", "<pre><p>x</p></pre>",
    "<details><summary>s</summary>d</details>", "<div markdown='1'>*md* in html</div>",
    "<img src='images/dot.png' alt='点'>", "<img>", "<img src=''>", "<a href='mailto:a@example.com'>m</a>",
    "<a href='https://例子.测试/路径'>idn</a>",
    "<a href='http://a b.com'>space</a>", "<a href='%zz'>pct</a>", "<span title='\"q\"' data-x='1'>t</span>",
]
URLS = ["https://example.com/a?b=c&d=e#f", "http://example.com", "#c001-h1", "#nowhere", "javascript:alert(1)",
        "mailto:a@example.com", "chapter2.md", "../x", "https://例子.测试", "<https://example.com>", "", "ftp://x"]
IMAGES = ["images/dot.png", "images/evil.svg", "./images/dot.png", "../book/images/dot.png", "images/dot.png#x"]
# Each refused: added to few chapters only, so that most examples get as far as EPUBCheck.
BAD_IMAGES = ["![x](images/missing.png)", "![x](../../etc/passwd)", "![x](/etc/passwd)", "![x](images/link.png)",
              "![x](images/not-an-image.png)", "![x](https://example.com/a.png)", "<img src='file:///etc/passwd'>",
              "<img src='data:image/png;base64,AAAA'>", "<img src='images/../../../etc/passwd'>"]

han_text = st.text(alphabet=HAN + PUNCTUATION, min_size=1, max_size=30)
atom = st.one_of(
    han_text, han_text, han_text,
    st.sampled_from(LATIN), st.sampled_from(EMOJI), st.sampled_from(ASTRAL), st.sampled_from(COMBINING),
    st.sampled_from(ODD), st.sampled_from(MARKDOWN_CHARS), st.just(" "), st.just("\n"),
)
plain = st.lists(atom, min_size=1, max_size=12).map("".join)


def _wrapped(pair):
    left, right = pair
    return st.builds(lambda text: f"{left}{text}{right}", plain)


inline = st.one_of(
    plain, plain, plain,
    st.sampled_from([("**", "**"), ("*", "*"), ("_", "_"), ("`", "`"), ("~~", "~~"), ("***", "**")]).flatmap(_wrapped),
    st.builds(lambda text, url: f"[{text}]({url})", plain, st.sampled_from(URLS)),
    st.builds(lambda text, src: f"![{text}]({src})", plain, st.sampled_from(IMAGES)),
    st.integers(1, 4).map(lambda n: f"[^{n}]"),
    st.sampled_from(RAW_FRAGMENTS),
    st.just("  \n"),  # a hard line break
)
line = st.lists(inline, min_size=1, max_size=8).map("".join)
long_line = st.builds(lambda unit, times: (unit * times)[:20000], plain, st.integers(50, 2000))


def _indent(block: str, prefix: str) -> str:
    return "\n".join(prefix + row if row else row for row in block.split("\n"))


def _table(rows: list[list[str]]) -> str:
    width = max(len(row) for row in rows)
    cells = lambda row: "| " + " | ".join(c.replace("\n", " ").replace("|", "\\|") for c in row) + " |"
    return "\n".join([cells(rows[0]), "|" + "---|" * width] + [cells(row) for row in rows[1:]])


leaf = st.one_of(
    line, line, line,
    st.builds(lambda level, text: "#" * level + " " + text.replace("\n", " "), st.integers(1, 7), line),
    st.builds(lambda text: text + "\n" + "=" * 3, line.map(lambda t: t.replace("\n", " "))),
    st.builds(lambda n, text: f"[^{n}]: {text}", st.integers(1, 5), line),
    st.builds(lambda text: f"```\n{text}\n```", plain),
    st.builds(lambda text: f"    {text}", plain.map(lambda t: t.replace("\n", " "))),
    st.lists(st.lists(line, min_size=1, max_size=4), min_size=1, max_size=4).map(_table),
    st.sampled_from(RAW_FRAGMENTS),
    st.lists(st.sampled_from(RAW_FRAGMENTS), min_size=2, max_size=6).map("\n".join),
    st.sampled_from(["---", "***", "* * *", "Term\n:   Definition", "*[HTML]: Hyper Text", "{: #id .cls }",
                     "## 同名\n\n## 同名\n\n## 同名", "# 重复 {#dup}\n\n# 重复 {#dup}"]),
    long_line,
)
blocks = st.recursive(
    leaf,
    lambda children: st.one_of(
        st.lists(children, min_size=1, max_size=3).map(lambda items: "\n".join(
            "- " + _indent(item, "  ").lstrip() for item in items)),
        st.lists(children, min_size=1, max_size=3).map(lambda items: "\n".join(
            f"{n}. " + _indent(item, "    ").lstrip() for n, item in enumerate(items, start=1))),
        children.map(lambda block: _indent(block, "> ")),
        st.lists(children, min_size=1, max_size=3).map("\n\n".join),
        children.map(lambda block: f"<div markdown=\"1\">\n\n{block}\n\n</div>"),
    ),
    max_leaves=12,
)
chapter = st.builds(lambda title, body, bad_image: (f"# {title}\n\n" if title else "") + body + bad_image,
                    st.one_of(st.none(), line.map(lambda t: t.replace("\n", " "))),
                    st.lists(blocks, min_size=1, max_size=6).map("\n\n".join),
                    st.sampled_from([""] * 40 + [f"\n\n{ref}\n" for ref in BAD_IMAGES]))

EVIL_SVG = (b"<svg xmlns='http://www.w3.org/2000/svg' onload='alert(1)'><script>alert(2)</script>"
            b"<rect width='1' height='1'/></svg>")


@pytest.fixture(scope="module")
def subsets_from_the_cache():
    """Every subset cut for the book's characters plus ALPHABET (see the module docstring): one
    subset per face, which the builder's own font cache (.cache/fonts) keeps from run to run."""
    real_subset = FontSet.subset
    with mock.patch.object(FontSet, "subset", lambda self, font, chars: real_subset(self, font, chars | ALPHABET)):
        yield


def write_book(root: Path, chapters: list[str]) -> Path:
    (root / "chapters").mkdir(parents=True)
    (root / "images").mkdir()
    (root / "book.toml").write_text('title = "试验"\nauthor = "某人"\nlanguage = "zh-Hans"\nslug = "fuzz"\n',
                                    "utf-8")
    for number, text in enumerate(chapters, start=1):
        # Written as UTF-8 bytes as they are: \r, NUL and noncharacters reach the loader untouched.
        (root / "chapters" / f"{number:02d}.md").write_bytes(text.encode("utf-8", "surrogatepass"))
    (root / "images" / "dot.png").write_bytes(png(1, 1))
    (root / "images" / "link.png").symlink_to("/etc/passwd")  # a symlink pointing out of the book
    (root / "images" / "not-an-image.png").write_text("not a PNG", "utf-8")
    (root / "images" / "evil.svg").write_bytes(EVIL_SVG)
    return root


def assert_no_scripts(epub: Path) -> None:
    with zipfile.ZipFile(epub) as archive:
        names = archive.namelist()
        assert "scripted" not in archive.read("EPUB/content.opf").decode()
        assert not [name for name in names if name.endswith((".js", ".mjs"))]
        for name in names:
            if name.endswith((".xhtml", ".svg")):
                assert b"<script" not in archive.read(name).lower(), name


def build_in_process(book: Path, out: Path) -> tuple[int, str]:
    """The command line's exit code and what it wrote to stderr (-q: warnings and errors only)."""
    stderr = io.StringIO()
    with contextlib.redirect_stderr(stderr), contextlib.redirect_stdout(io.StringIO()):
        code = cli.main(["epub", "--book", str(book), "--out", str(out), "-q"])
    if code == 2:  # an internal error is a bug: rerun with --debug for its traceback
        cli.main(["epub", "--book", str(book), "--out", str(out), "-q", "--debug"])
    return code, stderr.getvalue()


@settings(max_examples=FUZZ_EXAMPLES, deadline=None, print_blob=True, derandomize=os.environ.get("CI") == "true",
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.large_base_example])
@given(chapters=st.lists(chapter, min_size=1, max_size=2))
def test_any_markdown_builds_a_valid_epub_or_fails_with_one_clear_line(subsets_from_the_cache, chapters):
    with tempfile.TemporaryDirectory(prefix="zhbook-fuzz-") as folder:
        book = write_book(Path(folder) / "book", chapters)
        out = Path(folder) / "out"
        code, stderr = build_in_process(book, out)
        # `pytest --hypothesis-show-statistics` shows how many examples reached EPUBCheck.
        event("built an EPUB" if code == 0 else f"refused: {stderr.split(': ', 3)[-1][:40]}")
        # Warnings (what the builder changed, file:line) may come first; then at most one error line.
        lines = stderr.splitlines()
        warnings = [line for line in lines if line.startswith("warning: ")]
        assert all(str(book) in line for line in warnings), stderr
        if code == 0:
            epub = out / "fuzz.epub"
            assert lines == warnings and sorted(os.listdir(out)) == ["fuzz.epub"]
            assert epubcheck_jvm.problems(epub) == {}
            assert_no_scripts(epub)  # EPUBCheck accepts scripts that are declared: we want none at all
        else:
            assert code == 1, stderr
            errors = lines[len(warnings):]
            assert lines[:len(warnings)] == warnings, stderr
            assert len(errors) == 1 and errors[0].startswith("error: ") and str(book) in errors[0], stderr
            assert not out.exists() or os.listdir(out) == []  # nothing partial left behind


def test_the_in_process_epubcheck_finds_errors(tmp_path):
    """The fast path judges like EPUBCheck: a script smuggled into a built EPUB is an error there."""
    book = write_book(tmp_path / "book", ["# 标题\n\n正文。\n"])
    code, stderr = build_in_process(book, tmp_path / "out")
    assert code == 0, stderr
    good, bad = tmp_path / "out" / "fuzz.epub", tmp_path / "bad.epub"
    with zipfile.ZipFile(good) as source, zipfile.ZipFile(bad, "w") as target:
        for info in source.infolist():
            data = source.read(info)
            if info.filename.endswith("c001.xhtml"):
                data = data.replace(b"</section>", b"<script>alert(1)</script></section>")
            target.writestr(info, data)
    assert epubcheck_jvm.problems(good) == {}
    assert any("scripted" in message for message in epubcheck_jvm.problems(bad).get("ERROR", []))
