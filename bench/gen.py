"""Deterministic synthetic Chinese books for the benchmark.

Words come from the real book (book/chapters/*.md, cut into 1–4 character pieces with their real
frequencies) plus rarer two-character words over a pool of characters that both embedded fonts
cover, so that a long book has a novel-like character set (~3,500 distinct Han characters):
mostly GB2312 level-1 (the 3,755 most common hanzi, all in U+4E00–U+9FA5), some from the rest of
U+4E00–U+9FA5, and a handful from Extension A. Rare words follow a Zipf curve, so a 100K book
shows fewer distinct characters than a 1M one, as real books do.

Chapters (~7,200 Han characters each) have a level-1 heading, level-2 sections, footnotes in
Python-Markdown's [^n] syntax and Latin text and numbers mixed in ("API", "2024年", "3.5%").
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
FONT_FILES = ("NotoSerifCJKsc-Regular.otf", "NotoSansCJKsc-Bold.otf")
SEED = 20240607
TARGET_DISTINCT = 3500
EXT_A_CHARS = 20
CHAPTER_HAN = 7200
HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff]+")
LATIN = ["API", "2024年", "3.5%", "GDP", "5G", "CPU", "App", "iPhone", "Python 3.12", "12月",
         "1,200万元", "30天", "OK", "AI", "0.75", "2.8亿", "USB-C", "第3季度", "K线", "Wi-Fi"]
CUTS = (2, 2, 3, 2, 1, 2, 4, 2, 3)  # a fixed cutting rhythm: deterministic "words" of 1–4 characters


def parse_size(text: str) -> int:
    """'5k' → 5000, '1m' → 1000000, '250000' → 250000."""
    text = text.strip().lower()
    factor = {"k": 1_000, "m": 1_000_000}.get(text[-1:], 1)
    number = text[:-1] if factor != 1 else text
    return int(float(number) * factor)


def font_han(font_dir: Path = REPO / "fonts") -> set[int]:
    """Han code points that every embedded font maps."""
    from fontTools.ttLib import TTFont

    covered = None
    for name in FONT_FILES:
        cmap = set(TTFont(font_dir / name, lazy=True)["cmap"].getBestCmap())
        covered = cmap if covered is None else covered & cmap
    return {c for c in covered if 0x3400 <= c <= 0x4DBF or 0x4E00 <= c <= 0x9FFF}


def gb2312_level1() -> list[str]:
    chars = []
    for high in range(0xB0, 0xD8):
        for low in range(0xA1, 0xFF):
            try:
                chars.append(bytes([high, low]).decode("gb2312"))
            except UnicodeDecodeError:
                pass
    return chars


@dataclass
class Vocabulary:
    words: list[str]
    weights: list[float]
    real_chars: int  # distinct Han characters of the real book
    pool_chars: int  # distinct Han characters the vocabulary can produce in all

    def sampler(self, rng: random.Random):
        cum, total = [], 0.0
        for w in self.weights:
            total += w
            cum.append(total)
        words = self.words

        def draw(k: int) -> list[str]:
            return rng.choices(words, cum_weights=cum, k=k)
        return draw


def build_vocabulary(book_dir: Path = REPO / "book", seed: int = SEED) -> Vocabulary:
    rng = random.Random(seed)
    text = "\n".join(p.read_text("utf-8") for p in sorted((book_dir / "chapters").glob("*.md")))
    counts: dict[str, int] = {}
    step = 0
    for run in HAN.findall(text):
        i = 0
        while i < len(run):
            n = CUTS[step % len(CUTS)]
            step += 1
            word = run[i:i + n]
            i += n
            counts[word] = counts.get(word, 0) + 1
    real_words = sorted(counts)
    real_chars = sorted({c for w in real_words for c in w})

    covered = font_han()
    level1 = [c for c in gb2312_level1() if ord(c) in covered and c not in set(real_chars)]
    rest = sorted(chr(c) for c in covered if 0x4E00 <= c <= 0x9FA5
                  and chr(c) not in set(level1) and chr(c) not in set(real_chars))
    ext_a = sorted(chr(c) for c in covered if 0x3400 <= c <= 0x4DBF)
    extra = max(0, TARGET_DISTINCT - len(real_chars) - EXT_A_CHARS)
    n_level1 = min(len(level1), round(extra * 0.9))
    pool = rng.sample(level1, n_level1) + rng.sample(rest, extra - n_level1) + rng.sample(ext_a, EXT_A_CHARS)
    rng.shuffle(pool)

    # Each pool character appears in two rare words, paired with a common or another rare character.
    rare_words = []
    for char in pool:
        for _ in range(2):
            other = rng.choice(real_chars) if rng.random() < 0.6 else rng.choice(pool)
            rare_words.append(char + other if rng.random() < 0.5 else other + char)
    rng.shuffle(rare_words)

    real_total = sum(counts.values())
    zipf = [1.0 / (rank + 10) for rank in range(len(rare_words))]
    zipf_total = sum(zipf)
    words = real_words + rare_words
    weights = [0.8 * counts[w] / real_total for w in real_words] + [0.2 * z / zipf_total for z in zipf]
    return Vocabulary(words, weights, len(real_chars), len(set(real_chars) | set(pool)))


def count_han(text: str) -> int:
    return sum(len(r) for r in HAN.findall(text))


class Writer:
    def __init__(self, vocab: Vocabulary, rng: random.Random):
        self.rng = rng
        self.draw = vocab.sampler(rng)

    def phrase(self, lo: int, hi: int) -> str:
        return "".join(self.draw(self.rng.randint(lo, hi)))

    def sentence(self) -> str:
        rng = self.rng
        clauses = []
        for _ in range(rng.randint(1, 4)):
            words = self.draw(rng.randint(3, 7))
            if rng.random() < 0.12:
                words.insert(rng.randrange(len(words) + 1), rng.choice(LATIN))
            clause = "".join(words)
            if rng.random() < 0.06:
                clause = "“" + clause + "”"
            clauses.append(clause)
        end = rng.choices("。？！", weights=(90, 6, 4))[0]
        return "，".join(clauses) + end


def chapter(writer: Writer, number: int, han_target: int) -> str:
    rng = writer.rng
    lines = [f"# 第{number}章　{writer.phrase(2, 4)}", ""]
    notes: list[str] = []
    han = count_han(lines[0])
    han_target -= 60  # the last paragraph overshoots by about half a paragraph
    section = 0
    next_section = 0
    while han < han_target:
        if han >= next_section:
            section += 1
            lines += [f"## {section}. {writer.phrase(2, 3)}", ""]
            han += count_han(lines[-2])
            next_section = han + rng.randint(900, 1600)
        sentences = []
        for _ in range(rng.randint(2, 6)):
            s = writer.sentence()
            if rng.random() < 0.04:
                notes.append(writer.sentence())
                han += count_han(notes[-1])
                s = s[:-1] + f"[^{len(notes)}]" + s[-1]
            sentences.append(s)
        paragraph = "".join(sentences)
        han += count_han(paragraph)
        lines += [paragraph, ""]
    for i, note in enumerate(notes, start=1):
        lines.append(f"[^{i}]: {note}")
    return "\n".join(lines).rstrip() + "\n"


def generate(book_dir: Path, han_total: int, seed: int = SEED, vocab: Vocabulary | None = None) -> dict:
    """Write book_dir/book.toml and chapters/NNN.md; return facts about the book."""
    vocab = vocab or build_vocabulary(seed=seed)
    rng = random.Random(f"{seed}-{han_total}")
    writer = Writer(vocab, rng)
    n_chapters = max(1, round(han_total / CHAPTER_HAN))
    per_chapter = han_total // n_chapters
    label = size_label(han_total)
    chapters_dir = book_dir / "chapters"
    chapters_dir.mkdir(parents=True, exist_ok=True)
    for old in chapters_dir.glob("*.md"):
        old.unlink()
    (book_dir / "book.toml").write_text(
        f'title = "基准样书 {label}"\nauthor = "zhbook 基准"\nlanguage = "zh-Hans"\n'
        f'slug = "bench-{label.lower()}"\n', "utf-8")
    han = chars = footnotes = 0
    distinct: set[str] = set()
    for n in range(1, n_chapters + 1):
        text = chapter(writer, n, per_chapter)
        (chapters_dir / f"{n:03d}.md").write_text(text, "utf-8")
        runs = HAN.findall(text)
        han += sum(len(r) for r in runs)
        chars += len(text)
        footnotes += text.count("\n[^")
        distinct.update(c for r in runs for c in r)
    return {"chapters": n_chapters, "han": han, "chars": chars, "distinct_han": len(distinct),
            "footnotes": footnotes, "slug": f"bench-{label.lower()}"}


def size_label(n: int) -> str:
    if n % 1_000_000 == 0:
        return f"{n // 1_000_000}M"
    if n % 1000 == 0:
        return f"{n // 1000}K"
    return str(n)


if __name__ == "__main__":
    import sys

    facts = generate(Path(sys.argv[1]), parse_size(sys.argv[2]))
    print(facts)
