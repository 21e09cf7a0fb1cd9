"""Code blocks highlighted by Pygments through Python-Markdown's codehilite: token classes (styled in
styles/book.css), never inline styles; a language only when the fence names one."""

from __future__ import annotations

from pygments.formatters.html import HtmlFormatter


class BookHtmlFormatter(HtmlFormatter):
    """Pygments' HTML without the empty <span></span> it opens every <pre> with. That span keeps a
    leading blank line from being dropped by HTML parsers, which the <code> codehilite puts first
    already does; and WeasyPrint 70 breaks an overlong word (overflow-wrap) only in a box that starts
    its line, which the empty span prevents on the first line of every block."""

    def _wrap_pre(self, inner):
        for kind, value in super()._wrap_pre(inner):
            if kind == 0 and value.startswith("<pre") and value.endswith("><span></span>"):
                value = value[:-len("<span></span>")]
            yield kind, value


CODEHILITE = {"use_pygments": True, "noclasses": False, "css_class": "codehilite", "guess_lang": False,
              "linenums": False, "pygments_formatter": BookHtmlFormatter}
