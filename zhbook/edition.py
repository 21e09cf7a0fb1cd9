"""The Traditional Chinese edition (--edition zh-Hant): the loaded Book converted with OpenCC, a
transform of the model between loading and rendering, so both renderers set the edition as they set
the book. The Markdown sources are converted with their code, URLs, raw HTML tags and attribute lists
left as written, and without adding or removing a line, so the review file can point at the author's
file and line. Metadata, part titles and the builder's own words (目录, 版权信息 …) are converted too;
the identifier is the edition's own, derived from the book's."""

from __future__ import annotations

import difflib
import json
import re
import subprocess
import uuid
from dataclasses import dataclass, replace
from functools import lru_cache
from pathlib import Path

from .cjk import CJK_SYMBOLS, HAN, KANA
from .errors import BookError, Diagnostics
from .model import Book, BookPart, Chapter, SourceFile

EDITIONS = ("zh-Hant",)
# The language tag each OpenCC configuration writes: Taiwan's standard and phrases, Hong Kong's, or
# OpenCC's own Traditional forms (no region).
LANGUAGES = {"s2twp": "zh-Hant-TW", "s2tw": "zh-Hant-TW", "s2hk": "zh-Hant-HK", "s2t": "zh-Hant"}
# Taiwan and Hong Kong quote with corner brackets: “” → 「」, and ‘’ inside them → 『』. Only quotes of
# Chinese text: a pair around Latin text in a Latin context, and an apostrophe (don’t), stay as written.
QUOTES = (("“", "”", "「", "」"), ("‘", "’", "『", "』"))
CHINESE_NEAR = re.compile(f"[{HAN}{KANA}{CJK_SYMBOLS}]")
APOSTROPHE = re.compile("(?<=[A-Za-z])’(?=[A-Za-z])")
# A fixed namespace: the edition of a book gets the same identifier on every build.
EDITION_NAMESPACE = uuid.UUID("0b7f6a9e-52c4-4d1b-8f3e-7a2d9c61e5b4")
# The builder's own words that the outputs show (templates, the EPUB's navigation and accessibility
# summary, the captions and references the Markdown stage numbers), converted once per edition.
WORDS = ("目录", "版权信息", "版权页", "书名", "作者", "出版", "标识符", "制作日期", "书名页", "封面", "正文",
         "地标", "著",
         "本书为可重排文本，标题层级完整，附有目录与导航；封面图片有文字说明，无闪烁、声音或动画等危险内容。")

# What is never converted in a Markdown line: code spans, autolinks and raw HTML tags (their
# attributes), link and image destinations, attribute lists ({#id .class}), bare URLs and e-mail
# addresses. Link destinations are group 1 (their #fragment may name a heading by its text).
PROTECTED = re.compile(
    r"(?P<code>(`+).+?(?<!`)\2(?!`))"
    r"|<!--.*?-->"
    r"|<(?:https?|ftp|mailto):[^>\s]*>"
    r"|</?[A-Za-z][^<>]*>"
    r"|\]\((?P<dest>[^()\s]*(?:\([^()\s]*\)[^()\s]*)*)"
    r"|\{[:#.][^{}\n]*\}"
    r"|(?:https?|ftp)://[^\s<>()（）「」“”，。；！？]+"
    r"|[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+")
# A link reference definition, [label]: url "title": its label and title are text (the label must
# match its uses, which are converted), its URL is not. Footnotes ([^label]: text) are text.
REFERENCE_DEFINITION = re.compile(r"^( {0,3}\[)(?!\^)([^\]]+)(\]:[ \t]*)(\S+)(.*)$")
FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})")
LIST_ITEM = re.compile(r"^\s*(?:[-*+]|\d+[.)])\s")


@dataclass(frozen=True)
class ReviewEntry:
    """A character OpenCC chose a form of (干 → 乾, 幹 or 干), where: the author's file and line."""

    path: Path
    line: int
    source: str  # the Simplified character
    chosen: str  # what the edition has
    candidates: str  # every Traditional form OpenCC's character table offers
    default: str  # what the configuration makes of the character alone
    before: str  # the words around it, as written and as converted
    after: str

    @property
    def decided_by_phrase(self) -> bool:
        """Did the words around it decide (头发 → 頭髮, not 發)?"""
        return self.chosen != self.default


class Converter:
    """OpenCC with the book's settings: the configuration, the quotes and the author's pinned words."""

    def __init__(self, book: Book, cache_dir: Path):
        import opencc

        settings = book.hant
        self.opencc = opencc.OpenCC(settings.opencc)
        self.quotes = settings.quotes == "corner"
        self.overrides = dict(settings.overrides)
        self.pinned = (re.compile("|".join(re.escape(k) for k in sorted(self.overrides, key=len, reverse=True)))
                       if self.overrides else None)
        self.ambiguous = one_to_many(cache_dir)
        self.used_overrides: set[str] = set()
        self._defaults: dict[str, str] = {}  # character → its form when converted alone

    def text(self, text: str, review: list | None = None, path: Path | None = None, line: int = 1) -> str:
        """Plain text converted: the author's pinned words as pinned, the rest by OpenCC. With review,
        the one-to-many characters OpenCC chose a form of are added to it (their line counted from line)."""
        if not text:
            return text
        pieces, start = [], 0
        for match in (self.pinned.finditer(text) if self.pinned else ()):
            pieces.append(self._opencc(text[start:match.start()], review, path, line + text.count("\n", 0, start)))
            pieces.append(self.overrides[match.group(0)])
            self.used_overrides.add(match.group(0))
            start = match.end()
        pieces.append(self._opencc(text[start:], review, path, line + text.count("\n", 0, start)))
        return "".join(pieces)

    def plain(self, text: str) -> str:
        """A string of metadata (a title, a description) converted, its quotes too."""
        return join_parts(self.quoted([[self.text(text), True]]))

    def quoted(self, parts: list[list]) -> list[list]:
        """parts ([text, converted?] in order) with the quotes of their converted text made corner
        brackets, as book.toml asks (quotes = "corner", the default)."""
        return corner_quotes(parts) if self.quotes else parts

    def _opencc(self, text: str, review, path, line: int) -> str:
        if not text:
            return text
        converted = self.opencc.convert(text)
        if review is not None and any(c in self.ambiguous for c in text):
            self._review(text, converted, review, path, line)
        return converted

    def _review(self, text: str, converted: str, review: list, path, first_line: int) -> None:
        lines, out_lines = text.split("\n"), converted.split("\n")
        if len(lines) != len(out_lines):  # OpenCC keeps line breaks; if it ever did not, align the whole
            lines, out_lines = [text], [converted]
        for number, (source, out) in enumerate(zip(lines, out_lines), start=first_line):
            if not any(c in self.ambiguous for c in source):
                continue
            if len(source) == len(out):
                pairs = [(i, i, 1, 1) for i in range(len(source))]
            else:  # a phrase of another length (U盘 → 隨身碟): the changed span as a whole
                pairs = []
                for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(None, source, out, autojunk=False).get_opcodes():
                    if tag == "equal" or (i2 - i1 == j2 - j1):
                        pairs += [(i1 + k, j1 + k, 1, 1) for k in range(i2 - i1)]
                    else:
                        pairs.append((i1, j1, i2 - i1, j2 - j1))
            for i, j, n, m in pairs:
                for k, char in enumerate(source[i:i + n]):
                    if char in self.ambiguous:
                        chosen = out[j:j + m] if n != m else out[j + k]
                        review.append(ReviewEntry(path, number, char, chosen, self.ambiguous[char], self._alone(char),
                                                  source[max(i - 2, 0):i + n + 2], out[max(j - 2, 0):j + m + 2]))

    def _alone(self, char: str) -> str:
        if char not in self._defaults:
            self._defaults[char] = self.opencc.convert(char)
        return self._defaults[char]


def one_to_many(cache_dir: Path) -> dict[str, str]:
    """The Simplified characters OpenCC's character table (STCharacters) maps to more than one
    Traditional form, each with its forms (the default first): read from the installed opencc's own
    dictionary with its own tool (opencc_dict), cached by the dictionary's size and time."""
    return _one_to_many(str(cache_dir))


@lru_cache(maxsize=4)
def _one_to_many(cache_dir: str) -> dict[str, str]:
    import opencc

    share = Path(opencc.__file__).parent / "clib"
    dictionary = share / "share" / "opencc" / "STCharacters.ocd2"
    tool = share / "bin" / "opencc_dict"
    stat = dictionary.stat()
    cached = Path(cache_dir) / f"opencc-one-to-many-{opencc.__version__}-{stat.st_size}-{stat.st_mtime_ns}.json"
    if cached.is_file():
        return json.loads(cached.read_text("utf-8"))
    cached.parent.mkdir(parents=True, exist_ok=True)
    text_dict = cached.with_suffix(".txt.tmp")
    try:
        subprocess.run([str(tool), "-i", str(dictionary), "-o", str(text_dict), "-f", "ocd2", "-t", "text"],
                       check=True, capture_output=True, timeout=60)
        table = {}
        for row in text_dict.read_text("utf-8").splitlines():
            key, _, values = row.partition("\t")
            forms = values.split()
            if len(key) == 1 and len(forms) > 1:
                table[key] = "".join(forms)
    except (OSError, subprocess.SubprocessError) as exc:
        raise BookError(f"cannot read OpenCC's character table with opencc_dict ({exc}); reinstall opencc "
                        "(make)", dictionary)
    finally:
        text_dict.unlink(missing_ok=True)
    from .output import replace_file

    replace_file(cached, json.dumps(table, ensure_ascii=False).encode("utf-8"))
    return table


def convert_markdown(text: str, converter: Converter, review: list | None, path: Path | None) -> str:
    """A Markdown source converted line by line, with its code (fenced, indented, inline), URLs, raw HTML
    tags, reference definitions' URLs and attribute lists as written. Never adds or removes a line."""
    parts: list[list] = []  # [text, converted?]: what is kept as written is False
    fence, previous, in_list, indented_code = None, "", False, False
    for number, line in enumerate(text.split("\n"), start=1):
        if number > 1:
            parts.append(["\n", False])
        opened = FENCE.match(line)
        if fence:
            if opened and opened.group(1)[0] == fence[0] and len(opened.group(1)) >= len(fence) \
                    and not line.strip().strip(fence[0]):
                fence = None
            parts.append([line, False])
            continue
        if opened:
            fence = opened.group(1)
            parts.append([line, False])
            continue
        if line.strip():
            if LIST_ITEM.match(line):
                in_list = True
            elif not line.startswith((" ", "\t")) and not previous.strip():
                in_list = False
            # Indented code: four spaces or a tab after a blank line (or more of it), outside a list.
            indented_code = (line.startswith(("    ", "\t")) and not in_list
                             and (not previous.strip() or indented_code))
        definition = REFERENCE_DEFINITION.match(line)
        if indented_code:
            parts.append([line, False])
        elif definition:
            opening, label, colon, url, title = definition.groups()
            parts += [[opening, False], [converter.text(label, review, path, number), True], [colon + url, False],
                      [converter.text(title, review, path, number), True]]
        else:
            parts += line_parts(line, converter, review, path, number)
        previous = line
    return join_parts(converter.quoted(parts))


def line_parts(line: str, converter: Converter, review, path, number: int) -> list[list]:
    """One line of Markdown outside code blocks as parts: the text between the protected spans
    converted, the protected spans as written."""
    parts, start = [], 0
    for match in PROTECTED.finditer(line):
        parts.append([converter.text(line[start:match.start()], review, path, number), True])
        protected = match.group(0)
        destination = match.group("dest")
        if destination and "#" in destination and "://" not in destination:
            # A link to a heading of the book by its automatic id, made from the heading's text: the
            # heading is converted, so its fragment is too (the file name is not).
            file_part, _, fragment = destination.partition("#")
            protected = "](" + file_part + "#" + converter.text(fragment)
        parts.append([protected, False])
        start = match.end()
    parts.append([converter.text(line[start:], review, path, number), True])
    return parts


def join_parts(parts: list[list]) -> str:
    return "".join(text for text, _ in parts)


def corner_quotes(parts: list[list]) -> list[list]:
    """“” → 「」 and ‘’ → 『』 in the converted parts, pair by pair within a paragraph, where the quoted
    words or the characters around the pair are Chinese; a mark without its pair, where a character
    next to it is. Kept parts (code, URLs) are never changed: they count as one neutral character."""
    stream, where = [], []  # the characters seen, and for each (part, offset) if it may change
    for index, (text, converted) in enumerate(parts):
        if converted:
            stream += text
            where += [(index, offset) for offset in range(len(text))]
        else:  # a line break stays one (a blank line ends a paragraph); anything else: one neutral mark
            shown = text if not text.strip() else "\x00"
            stream += shown
            where += [None] * len(shown)
    text = "".join(stream)
    changes: dict[int, str] = {}

    def chinese_at(position: int) -> bool:
        return 0 <= position < len(text) and bool(CHINESE_NEAR.match(text[position]))

    for opening, closing, corner_open, corner_close in QUOTES:
        apostrophes = {m.start() for m in APOSTROPHE.finditer(text)} if closing == "’" else set()
        taken = set()
        for start, char in enumerate(text):
            if char != opening or where[start] is None:
                continue
            end, position = None, start + 1
            while position < len(text) and not text.startswith("\n\n", position):
                if text[position] == opening:
                    break  # another opening mark before a closing one: this one has no pair
                if text[position] == closing and position not in apostrophes and where[position] is not None:
                    end = position
                    break
                position += 1
            if end is None:
                continue
            taken |= {start, end}
            if CHINESE_NEAR.search(text, start + 1, end) or chinese_at(start - 1) or chinese_at(end + 1):
                changes[start], changes[end] = corner_open, corner_close
        for position, char in enumerate(text):  # marks without a pair: by their neighbours
            if (char in (opening, closing) and position not in taken and position not in apostrophes
                    and where[position] is not None and (chinese_at(position - 1) or chinese_at(position + 1))):
                changes[position] = corner_open if char == opening else corner_close
    if not changes:
        return parts
    result = [list(part) for part in parts]
    by_part: dict[int, list[tuple[int, str]]] = {}
    for position, mark in changes.items():
        index, offset = where[position]
        by_part.setdefault(index, []).append((offset, mark))
    for index, marks in by_part.items():
        chars = list(result[index][0])
        for offset, mark in marks:
            chars[offset] = mark
        result[index][0] = "".join(chars)
    return result


def edition_identifier(identifier: str, edition: str, config: str) -> str:
    """The edition's own identifier, derived from the book's: the same on every build."""
    return f"urn:uuid:{uuid.uuid5(EDITION_NAMESPACE, identifier + chr(0x1F) + edition + chr(0x1F) + config)}"


def make_edition(book: Book, edition: str, cache_dir: Path, diagnostics: Diagnostics) -> tuple[Book, list[ReviewEntry]]:
    """The book in the edition asked for, and the review list: each one-to-many character of the
    Markdown sources where OpenCC chose a form, with its file and line."""
    if edition not in EDITIONS:
        raise BookError(f"there is no edition '{edition}'; use --edition zh-Hant")
    toml_path = book.root / "book.toml"
    language = book.meta.language
    if not language.lower().startswith("zh") or re.search(r"(?i)-(hant|tw|hk|mo)\b", language):
        raise BookError(f"the zh-Hant edition converts a Simplified Chinese book, and this one's language is "
                        f"'{language}'; set language = \"zh-Hans\" if the book is written in Simplified", toml_path)
    converter = Converter(book, cache_dir)
    review: list[ReviewEntry] = []

    def source(file: SourceFile) -> SourceFile:
        return replace(file, text=convert_markdown(file.text, converter, review, file.path))

    meta = book.meta
    config = book.hant.opencc
    converted_meta = replace(
        meta, title=converter.plain(meta.title), subtitle=converter.plain(meta.subtitle),
        author=converter.plain(meta.author), publisher=converter.plain(meta.publisher),
        description=converter.plain(meta.description), language=LANGUAGES[config],
        identifier=edition_identifier(meta.identifier, edition, config), slug=f"{meta.slug}.{edition}")
    result = replace(
        book, meta=converted_meta, edition=edition,
        chapters=tuple(source(c) for c in book.chapters), front=tuple(source(c) for c in book.front),
        back=tuple(source(c) for c in book.back), colophon=source(book.colophon) if book.colophon else None,
        parts=tuple(BookPart(converter.plain(p.title), p.chapter_ids, p.id) for p in book.parts),
        numbering=converter.text(book.numbering),
        words=tuple((word, converter.plain(word)) for word in WORDS))
    for key in sorted(set(converter.overrides) - converter.used_overrides):
        diagnostics.warn(f"[edition.zh-Hant.overrides] '{key}' occurs nowhere in the book's text; correct it or "
                         "remove it", toml_path)
    return result, review


def convert_generated(chapters: list[Chapter], colophon: Chapter | None,
                      book: Book) -> tuple[list[Chapter], Chapter | None]:
    """The words the Markdown stage adds to a chapter (图2-1 and 表2-1 in captions, 2.1节 and 第2章 in
    references) in the edition's script: the elements it made, found by their classes."""
    if not book.edition:
        return chapters, colophon
    import opencc

    from .markdown import fragment

    convert = opencc.OpenCC(book.hant.opencc).convert
    classes = ("caption-number", "xref", "chapter-number")

    def one(chapter: Chapter) -> Chapter:
        if not any(f'class="{c}"' in chapter.body for c in classes):
            return chapter
        container = fragment.parse(chapter.body)
        for element in container.iter():
            if isinstance(element.tag, str) and element.get("class") in classes and element.text:
                element.text = convert(element.text)
        return replace(chapter, body=fragment.serialize(container))

    return [one(c) for c in chapters], one(colophon) if colophon else None


def review_text(book: Book, review: list[ReviewEntry]) -> str:
    """The review file: one line per character OpenCC chose a form of, file:line first."""
    header = (f"# {book.meta.title}: the {book.edition} edition ({book.hant.opencc}), characters with more than one "
              "Traditional form.\n# Each line: file:line: character → chosen form (all its forms): "
              "words as written → as converted.\n# 'phrase' marks a choice the words around it decided (OpenCC's phrase "
              "tables), not the character's\n# default form. To pin another form, add\n# the words to [edition.zh-Hant.overrides] in "
              'book.toml, e.g. "头发" = "頭髮".\n')
    rows = []
    for entry in review:
        try:
            where = entry.path.relative_to(book.root)
        except ValueError:
            where = entry.path
        rows.append(f"{where}:{entry.line}: {entry.source} → {entry.chosen} ({' '.join(entry.candidates)})"
                    f"{' phrase' if entry.decided_by_phrase else ''}: {entry.before} → {entry.after}")
    phrases = sum(entry.decided_by_phrase for entry in review)
    return header + f"# {len(review)} entries, {phrases} decided by phrase\n" + "".join(row + "\n" for row in rows)
