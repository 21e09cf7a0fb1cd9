#!/usr/bin/env python3
"""Where a PDF part's time goes: cProfile of zhbook setting chapters of a generated book, in this
process, as a worker sets them (zhbook.pdf.part), summarised as Markdown for bench/results.md.

    .venv/bin/python bench/profile_part.py BOOK_DIR [--chapters N]

It reports the time per chapter of: layout (WeasyPrint's render, with the Chinese typesetting of
zhbook.pdf.weasyprint), drawing and writing the part's PDF, the same without that typesetting and
without PDF tags (what each costs),
and the functions that take the most time.
"""

from __future__ import annotations

import argparse
import cProfile
import hashlib
import io
import pstats
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from zhbook import paths  # noqa: E402
from zhbook.assets.fonts import FontSet  # noqa: E402
from zhbook.errors import Diagnostics  # noqa: E402
from zhbook.load import load_book  # noqa: E402
from zhbook.markdown import render_chapter  # noqa: E402
from zhbook.model import Styles  # noqa: E402
from zhbook.pdf import stylesheet as pdf_stylesheet  # noqa: E402
from zhbook.pdf import html as pdf_html  # noqa: E402
from zhbook.pdf import weasyprint as patches  # noqa: E402
from zhbook.pdf.part import PartSetter, book_fetcher  # noqa: E402


def parts(book_dir: Path, count: int):
    """The first count chapters as parts, and a worker's PartSetter for them as zhbook.pdf makes
    one (in this process: WeasyPrint stays patched here, which is what is measured)."""
    book = load_book(book_dir, Diagnostics(quiet=True))
    chapters = [render_chapter(source, book.root, Diagnostics(quiet=True)) for source in book.chapters[:count]]
    styles = Styles(paths.styles_dir())
    stylesheet = pdf_stylesheet(styles, book)
    fonts = FontSet(paths.fonts_dir(), styles.read("book.css"), paths.cache_dir())
    weasyprint = patches.load()
    htmls = [pdf_html.part_html(book, pdf_html.chapter_body(book, chapter)) for chapter in chapters]
    used = {name: set() for name in fonts.files}
    for html in htmls:
        for name, chars in fonts.characters([weasyprint.HTML(string=html).etree_element], stylesheet).items():
            used[name] |= chars
    subsets = fonts.subsets([(font, used[font.path.name], True) for font in fonts.embedded])
    font_data = {font.path.resolve().as_uri(): data for font, data in zip(fonts.embedded, subsets)}
    setter = PartSetter({
        "stylesheet": stylesheet, "styles_url": str(styles.dir) + "/", "base_url": str(book_dir) + "/",
        "identifier": b"profile", "counts": None,
        "fetcher": lambda: book_fetcher(weasyprint, font_data, book.root, []),
        "font_programs": {hashlib.sha256(data).hexdigest(): font.sha256 for font, data in zip(fonts.embedded, subsets)}})
    return htmls, setter


def timed(htmls, setter: PartSetter, tags: bool) -> tuple[float, float, int]:
    """Seconds of layout and of drawing + writing, and pages, for all parts."""
    layout = write = 0.0
    pages = 0
    for html in htmls:
        started = time.perf_counter()
        document = setter.weasyprint.HTML(string=html, base_url=setter.base_url, url_fetcher=setter.url_fetcher).render(
            stylesheets=[setter.css], font_config=setter.font_config)
        layout += time.perf_counter() - started
        started = time.perf_counter()
        document.write_pdf(pdf_tags=tags)
        write += time.perf_counter() - started
        pages += len(document.pages)
    return layout, write, pages


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("book", type=Path)
    parser.add_argument("--chapters", type=int, default=6)
    args = parser.parse_args()
    htmls, setter = parts(args.book.resolve(), args.chapters)
    n = len(htmls)
    timed(htmls[:1], setter, True)  # warm up: fonts loaded, caches filled

    rows = []
    for label, patched, tags in (("zhbook (typesetting + tags)", True, True), ("without PDF tags", True, False),
                                 ("without the typesetting", False, True), ("plain: neither", False, False)):
        # Without the Chinese typesetting only: the parts' font placeholders stay, as in a build.
        patches.install() if patched else patches.uninstall(patches.TYPESETTING)
        layout, write, pages = timed(htmls, setter, tags)
        rows.append((label, layout / n, write / n, pages / n))
    patches.install()

    profile = cProfile.Profile()
    profile.enable()
    timed(htmls, setter, True)
    profile.disable()
    out = io.StringIO()
    stats = pstats.Stats(profile, stream=out)
    stats.sort_stats("tottime")
    top = sorted(stats.stats.items(), key=lambda item: item[1][2], reverse=True)[:12]
    total = sum(item[1][2] for item in stats.stats.items())

    print(f"### Profile of one PDF part (`bench/profile_part.py`, {n} chapters of {args.book.name}, one process)\n")
    print("| setting a chapter | layout s | draw + write s | total s | pages |")
    print("|---|---:|---:|---:|---:|")
    for label, layout, write, pages in rows:
        print(f"| {label} | {layout:.3f} | {write:.3f} | {layout + write:.3f} | {pages:.1f} |")
    print("\nFunctions with the most time of their own (cProfile, zhbook as it runs):\n")
    print("| function | own s | share |")
    print("|---|---:|---:|")
    for (path, line, name), (_, _, own, _, _) in top:
        where = f"{Path(path).parent.name}/{Path(path).name}:{line}" if path != "~" else "built-in"
        print(f"| `{name}` ({where}) | {own:.3f} | {own / total:.0%} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
