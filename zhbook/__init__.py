"""zhbook: Markdown chapters to a Chinese EPUB 3 and PDF.

The stages, one module each: load (book.toml + chapters → Book), markdown_cjk (Markdown → XHTML with
our CJK extensions), fonts (check, subset, coverage), epub and pdf (one renderer per output).
"""
