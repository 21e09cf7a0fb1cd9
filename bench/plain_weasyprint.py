"""The PDF peer: one plain, single-process WeasyPrint render of a book folder.

The chapters are converted with Python-Markdown (extra: footnotes …) into ONE HTML file, with the
same fonts as zhbook (@font-face to fonts/*.otf, the whole files: WeasyPrint subsets them itself),
A5 pages and justified text; no templates, contents page, font checks or cache.

    python bench/plain_weasyprint.py BOOK_DIR OUT.pdf
"""

from __future__ import annotations

import sys
from pathlib import Path

import markdown
import weasyprint

FONTS = Path(__file__).resolve().parent.parent / "fonts"
CSS = f"""
@font-face {{ font-family: "ZH Serif"; src: url("{(FONTS / 'NotoSerifCJKsc-Regular.otf').as_uri()}"); }}
@font-face {{ font-family: "ZH Sans"; font-weight: bold;
             src: url("{(FONTS / 'NotoSansCJKsc-Bold.otf').as_uri()}"); }}
@page {{ size: A5; margin: 18mm 15mm 20mm 15mm; @bottom-center {{ content: counter(page); font-size: 8pt; }} }}
html {{ font-family: "ZH Serif", serif; font-size: 10.5pt; line-height: 1.8; }}
p {{ margin: 0; text-align: justify; text-indent: 2em; }}
h1, h2 {{ font-family: "ZH Sans", "ZH Serif", sans-serif; font-weight: bold; }}
h1 {{ break-before: page; }}
"""


def main(book: Path, out: Path) -> None:
    chapters = sorted((book / "chapters").glob("*.md"))
    md = markdown.Markdown(extensions=["extra"], extension_configs={"footnotes": {"UNIQUE_IDS": True}})
    bodies = []
    for path in chapters:
        md.reset()  # footnote numbering restarts per chapter; UNIQUE_IDS keeps the ids apart
        bodies.append(f"<section>{md.convert(path.read_text('utf-8'))}</section>")
    html_path = out.with_suffix(".html")
    html_path.write_text(
        '<!DOCTYPE html>\n<html lang="zh-Hans"><head><meta charset="utf-8"><title>bench</title>'
        f"<style>{CSS}</style></head><body>\n" + "\n".join(bodies) + "\n</body></html>\n", "utf-8")
    weasyprint.HTML(filename=str(html_path)).write_pdf(str(out))


if __name__ == "__main__":
    main(Path(sys.argv[1]), Path(sys.argv[2]))
