#!/usr/bin/env python3
"""The benchmark (`make bench`): zhbook against its peers on synthetic Chinese books.

    .venv/bin/python bench/run.py [--sizes 100k,300k,1m] [--skip-peers] [--out FILE] [--work DIR]

For each size, a deterministic book is generated (bench/gen.py) into the work folder, then built
with our builder (EPUB and PDF, each cold — its caches emptied first — and warm), with pandoc
(Markdown → EPUB, no fonts) and with one plain single-process WeasyPrint render of the same text
(bench/plain_weasyprint.py). Each command runs under bench/procmon.py: wall time and the peak
memory of its whole process tree. On the largest size, rebuilds are measured too: the builder run
again on unchanged sources, `make pdf` with nothing to do, and the PDF rebuilt after editing one
chapter. Last, bench/profile_part.py profiles the setting of a few chapters of the largest book in one
process (what the justification patch and PDF tags cost, the functions that take the time). The
Markdown tables go to --out (default bench/results.md) and to standard output.
"""

from __future__ import annotations

import argparse
import os
import platform
import re
import shutil
import subprocess
import sys
import time
import tomllib
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(HERE))

import gen  # noqa: E402
import procmon  # noqa: E402

VENV_PY = REPO / ".venv" / "bin" / "python"
PY = str(VENV_PY) if VENV_PY.exists() else sys.executable
MB = 2 ** 20


@dataclass
class Row:
    size: str
    tool: str
    output: str
    m: procmon.Measurement | None  # None: not run
    path: Path | None = None
    note: str = ""

    @property
    def ok(self) -> bool:
        return self.m is not None and self.m.ok and self.path is not None and self.path.is_file()

    @property
    def kb(self) -> float | None:
        return self.path.stat().st_size / 1024 if self.ok else None


def cache_dir() -> Path:
    """The builder's caches while benchmarking: in the work folder (ZHBOOK_CACHE_DIR, set by main), so a
    cold run never empties the repository's own .cache/."""
    return Path(os.environ["ZHBOOK_CACHE_DIR"])


def clear_caches() -> None:
    """Everything the builder keeps between builds: font subsets, Markdown renderings, PDF parts, covers."""
    shutil.rmtree(cache_dir(), ignore_errors=True)


def measure(cmd: list, cwd: Path = REPO) -> procmon.Measurement:
    return procmon.run([str(c) for c in cmd], cwd=cwd)


def ours(target: str, book: Path, out: Path, quiet: bool = True) -> procmon.Measurement:
    return measure([PY, "build.py", target, "--book", book, "--out", out] + (["-q"] if quiet else []))


def failure(m: procmon.Measurement | None) -> str:
    if m is None:
        return ""
    lines = [l for l in m.stderr.strip().splitlines() if l.strip()]
    return f"exit {m.returncode}: {lines[-1] if lines else '(no message)'}"


def version(cmd: list[str]) -> str:
    try:
        return subprocess.run(cmd, capture_output=True, text=True, timeout=60).stdout.strip().splitlines()[0]
    except (OSError, IndexError, subprocess.SubprocessError):
        return "absent"


def tool_fingerprint() -> str:
    """The commit, plus a hash of the builder's sources as they are on disk (they may differ from
    the commit, and may change while the benchmark runs: then its numbers mix versions)."""
    import hashlib

    digest = hashlib.sha256()
    files = [REPO / "build.py", *sorted((REPO / "zhbook").rglob("*")), *sorted((REPO / "styles").rglob("*"))]
    for path in files:
        if path.is_file() and "__pycache__" not in path.parts:
            digest.update(str(path.relative_to(REPO)).encode() + b"\0" + path.read_bytes())
    commit = version(["git", "-C", str(REPO), "rev-parse", "--short", "HEAD"])
    dirty = version(["git", "-C", str(REPO), "status", "--porcelain", "--", "build.py", "zhbook", "styles"])
    return f"{commit}{' + uncommitted changes' if dirty != 'absent' else ''}, sources {digest.hexdigest()[:12]}"


def machine_facts() -> list[tuple[str, str]]:
    cpu = ""
    try:
        cpu = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), "")
    except OSError:
        pass
    mem = ""
    try:
        kb = int(next(l.split()[1] for l in open("/proc/meminfo") if l.startswith("MemTotal")))
        mem = f"{kb / 2**20:.1f} GiB"
    except (OSError, StopIteration):
        pass
    probe = ("import sys, weasyprint, fontTools, ebooklib, markdown; "
             "print(sys.version.split()[0], weasyprint.__version__, fontTools.version, markdown.__version__)")
    py, wp, ft, md = (version([PY, "-c", probe]) + " ? ? ? ?").split()[:4]
    return [
        ("date", datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")),
        ("cores", f"{os.cpu_count()} ({cpu})" if cpu else str(os.cpu_count())),
        ("memory", mem),
        ("OS", f"{platform.system()} {platform.release()}"),
        ("Python", py),
        ("WeasyPrint", wp),
        ("fontTools / Python-Markdown", f"{ft} / {md}"),
        ("pandoc", version(["pandoc", "--version"])),
        ("zhbook", tool_fingerprint()),
        ("load average at start (1/5/15 min)", " / ".join(f"{x:.2f}" for x in os.getloadavg())),
    ]


def bench_size(n: int, work: Path, skip_peers: bool, log) -> tuple[dict, list[Row]]:
    label = gen.size_label(n)
    base = work / label.lower()
    book = base / "book"
    facts = gen.generate(book, n)
    facts["label"] = label
    log(f"[{label}] generated {facts['han']:,} Han characters in {facts['chapters']} chapters "
        f"({facts['distinct_han']:,} distinct, {facts['footnotes']:,} footnotes)")
    rows: list[Row] = []
    ours_out = base / "zhbook"
    for target in ("epub", "pdf"):
        path = ours_out / f"{facts['slug']}.{target}"
        for state in ("cold", "warm"):
            if state == "cold":
                clear_caches()
            m = ours(target, book, ours_out)
            rows.append(Row(label, f"zhbook {state}", target.upper(), m, path))
            log(f"[{label}] zhbook {target} {state}: {m.wall:.1f} s, {m.peak_pss / MB:.0f} MB"
                + ("" if m.ok else f"  FAILED {failure(m)}"))
        if skip_peers:
            continue
        chapters = sorted((book / "chapters").glob("*.md"))
        if target == "epub":
            if shutil.which("pandoc"):
                title = tomllib.loads((book / "book.toml").read_text("utf-8"))["title"]
                path = base / "pandoc" / f"{facts['slug']}.epub"
                path.parent.mkdir(parents=True, exist_ok=True)
                # --file-scope: each chapter parsed on its own, so footnote [^1] of every chapter works.
                m = measure(["pandoc", "--file-scope", "-f", "markdown", "-t", "epub3",
                             "--metadata", f"title={title}", "--metadata", "lang=zh-Hans",
                             "-o", path, *chapters])
                rows.append(Row(label, "pandoc", "EPUB", m, path))
                log(f"[{label}] pandoc epub: {m.wall:.1f} s, {m.peak_pss / MB:.0f} MB")
            else:
                rows.append(Row(label, "pandoc", "EPUB", None, note="pandoc not installed"))
        else:
            path = base / "weasyprint" / f"{facts['slug']}.pdf"
            path.parent.mkdir(parents=True, exist_ok=True)
            m = measure([PY, HERE / "plain_weasyprint.py", book, path])
            rows.append(Row(label, "plain WeasyPrint", "PDF", m, path))
            log(f"[{label}] plain WeasyPrint pdf: {m.wall:.1f} s, {m.peak_pss / MB:.0f} MB"
                + ("" if m.ok else f"  FAILED {failure(m)}"))
    return facts, rows


def edit_one_chapter(book: Path) -> Path:
    """A typical small edit that keeps the book's character set: in the middle chapter, the
    sentences of its longest paragraph are put in reverse order."""
    chapters = sorted((book / "chapters").glob("*.md"))
    path = chapters[len(chapters) // 2]
    lines = path.read_text("utf-8").split("\n")
    i = max((k for k, l in enumerate(lines) if l and not l.startswith(("#", "[^"))), key=lambda k: len(lines[k]))
    sentences = re.findall(r"[^。？！]+[。？！]", lines[i])
    lines[i] = "".join(reversed(sentences))
    path.write_text("\n".join(lines), "utf-8")
    return path


def bench_rebuilds(facts: dict, work: Path, log) -> list[tuple[str, procmon.Measurement | None, str]]:
    label = facts["label"]
    base = work / label.lower()
    book, out = base / "book", base / "zhbook"
    results = []
    pdf = out / f"{facts['slug']}.pdf"
    if not pdf.is_file():  # the warm build failed: nothing to rebuild from
        return [("rebuilds", None, "skipped: the PDF build failed")]

    m = ours("pdf", book, out)
    results.append((f"`build.py pdf`, nothing changed ({label})", m,
                    "every chapter from the cache (pdf-parts); the parts joined again"))
    log(f"[{label}] no-op build.py pdf: {m.wall:.1f} s")

    make = ["make", "-C", REPO, "pdf", f"BOOK={book}", f"OUT={out}"]
    if shutil.which("make") and (REPO / ".venv" / ".installed").exists():
        up_to_date = subprocess.run(["make", "-q", *make[1:]], capture_output=True).returncode == 0
        m = measure(make)
        results.append((f"`make pdf`, nothing changed ({label})", m,
                        "make sees the PDF newer than every source and runs nothing" if up_to_date
                        else "make found the PDF out of date and rebuilt it"))
        log(f"[{label}] no-op make pdf: {m.wall:.2f} s")
    else:
        results.append(("`make pdf`, nothing changed", None, "skipped: make or .venv/.installed missing"))

    font_cache = cache_dir() / "fonts"
    subsets_before = set(font_cache.glob("*"))
    edited = edit_one_chapter(book)
    m = ours("pdf", book, out, quiet=False)
    new_subsets = set(font_cache.glob("*")) - subsets_before
    cached = re.search(r"(\d+) chapters from the cache", m.stdout or "")
    results.append((f"`build.py pdf` after editing one chapter ({edited.name} of {facts['chapters']})", m,
                    (f"{facts['chapters'] - int(cached.group(1))} chapter(s) set again, {cached.group(1)} from the "
                     "cache" if cached else "no cache summary printed") + "; font subsets "
                    + (f"re-made ({len(new_subsets)} new)" if new_subsets else "from the cache (same characters)")
                    + "; " + stages(m.stdout)))
    log(f"[{label}] edited-chapter build.py pdf: {m.wall:.1f} s")

    edited, new_chars = add_new_characters(book)
    m = ours("pdf", book, out, quiet=False)
    cached = re.search(r"(\d+) chapters from the cache", m.stdout or "")
    results.append((f"`build.py pdf` after adding a sentence with {len(new_chars)} new characters to one chapter "
                    f"({edited.name})", m,
                    (f"{facts['chapters'] - int(cached.group(1))} chapter(s) set again, {cached.group(1)} from the "
                     "cache" if cached else "no cache summary printed") + f"; new characters {''.join(new_chars)}; "
                    + stages(m.stdout)))
    log(f"[{label}] new-characters build.py pdf: {m.wall:.1f} s")
    return results


def stages(stdout: str | None) -> str:
    """The build's own progress lines ("pdf join: 1/1 in 2.0 s", "done in 3.4 s"), as one cell."""
    found = re.findall(r"^(.+?): [\d/, a-z]* ?in ([\d.]+ s)$|^done in ([\d.]+ s)$", stdout or "", re.M)
    return ", ".join(f"{name} {took}" if name else f"all {total}" for name, took, total in found)


def add_new_characters(book: Path) -> tuple[Path, list[str]]:
    """An edit that brings characters the book did not have yet, as drafting does all the time: a
    sentence of 12 Han characters the font has and no chapter uses, appended to a chapter a third
    of the way in (not the middle one, which edit_one_chapter changed)."""
    chapters = sorted((book / "chapters").glob("*.md"))
    used = set("".join(path.read_text("utf-8") for path in chapters))
    new = [c for c in map(chr, sorted(gen.font_han())) if c not in used and c >= "\u4e00"][:12]
    path = chapters[len(chapters) // 3]
    path.write_text(path.read_text("utf-8").rstrip("\n") + "\n\n" + "".join(new) + "。\n", "utf-8")
    return path, new


def sample_book_sizes(work: Path, log) -> tuple[Row, Row]:
    """The sample book (book/, the seed article) as a PDF by us and by plain WeasyPrint: sizes."""
    out = work / "sample"
    slug = tomllib.loads((REPO / "book" / "book.toml").read_text("utf-8")).get("slug", "jiebei-yuqi")
    ours_row = Row("sample", "zhbook", "PDF", ours("pdf", REPO / "book", out / "zhbook"), out / "zhbook" / f"{slug}.pdf")
    (out / "weasyprint").mkdir(parents=True, exist_ok=True)
    plain = out / "weasyprint" / f"{slug}.pdf"
    plain_row = Row("sample", "plain WeasyPrint", "PDF", measure([PY, HERE / "plain_weasyprint.py", REPO / "book", plain]),
                    plain)
    log(f"[sample] PDF {ours_row.kb or 0:.0f} KB, plain WeasyPrint {plain_row.kb or 0:.0f} KB")
    return ours_row, plain_row


# The targets of "Fast where authors feel it" (issue 13): (what, measured over peer, at most).
def targets(facts_list: list[dict], rows: list[Row], rebuilds: list, sample: tuple[Row, Row] | None) -> list[str]:
    def row(size, tool, output):
        return next((r for r in rows if r.size == size and r.tool == tool and r.output == output and r.ok), None)

    def rebuild(words):
        return next((m for what, m, _ in rebuilds if words in what and m is not None and m.ok), None)

    checks = []  # (target, ratio or None, limit)
    for f in facts_list:
        size = f["label"]
        ours_epub, pandoc = row(size, "zhbook cold", "EPUB"), row(size, "pandoc", "EPUB")
        checks.append((f"EPUB cold ≤ 1.0× pandoc's time, {size}",
                       ours_epub.m.wall / pandoc.m.wall if ours_epub and pandoc else None, 1.0))
        ours_pdf, plain = row(size, "zhbook cold", "PDF"), row(size, "plain WeasyPrint", "PDF")
        checks.append((f"PDF ≤ 1.3× plain WeasyPrint's size, {size}",
                       ours_pdf.kb / plain.kb if ours_pdf and plain else None, 1.3))
    if sample is not None and sample[0].ok and sample[1].ok:
        checks.append(("PDF ≤ 1.3× plain WeasyPrint's size, sample book", sample[0].kb / sample[1].kb, 1.3))
    largest = facts_list[-1]["label"]
    ours_pdf, plain = row(largest, "zhbook cold", "PDF"), row(largest, "plain WeasyPrint", "PDF")
    if ours_pdf and plain:
        checks.append((f"PDF cold ≤ 0.6× plain WeasyPrint's time, {largest}", ours_pdf.m.wall / plain.m.wall, 0.6))
        checks.append((f"PDF cold ≤ 0.5× plain WeasyPrint's peak memory (PSS), {largest}",
                       ours_pdf.m.peak_pss / plain.m.peak_pss, 0.5))
    for words, limit in (("new characters", 0.055), ("after editing one chapter", None)):
        m = rebuild(words)
        checks.append((f"PDF after an edit{' with' if words == 'new characters' else ' without'} new characters"
                       + (f" ≤ {limit}× plain WeasyPrint's whole render, {largest}" if limit else
                          f" (no target; for comparison), {largest}"),
                       m.wall / plain.m.wall if m and plain else None, limit))
    lines = ["", "## Targets", "", "Each measured ratio is over the peer's figure measured in this same run.", "",
             "| target | measured | met |", "|---|---:|---|"]
    for what, value, limit in checks:
        met = "—" if value is None or limit is None else ("met" if value <= limit else "**not met**")
        lines.append(f"| {what} | {'—' if value is None else f'{value:.3f}×'} | {met} |")
    return lines


def preview_section(facts: dict, work: Path, log) -> str:
    """The live preview's latency on the largest book (bench/preview.py): save → page, save → PDF."""
    import preview

    base = work / facts["label"].lower()
    try:
        result = preview.measure(base / "book", base / "preview", log=log)
    except AssertionError as exc:
        return f"## Preview\n\nfailed: {' '.join(str(exc).split())[:500]}\n"
    return "\n".join(["## Preview", "", "`build.py preview` on the book, one chapter page open; the chapter "
                      "saved with one sentence moved (bench/preview.py).", "", *preview.table(result, facts["label"])]) + "\n"


def profile_part(book: Path, log) -> str:
    """bench/profile_part.py on the book: where a PDF part's time goes (Markdown)."""
    log(f"profiling PDF parts of {book}")
    result = subprocess.run([PY, HERE / "profile_part.py", book], cwd=REPO, capture_output=True, text=True)
    if result.returncode != 0:
        return f"The profile of one PDF part failed: {result.stderr.strip().splitlines()[-1:]}\n"
    return result.stdout


def fmt(x: float | None, digits: int = 1) -> str:
    return "—" if x is None else f"{x:,.{digits}f}"


def ratio(a: float | None, b: float | None) -> str:
    return "—" if a is None or b is None or b == 0 else f"{a / b:.2f}×"


def report(facts_list: list[dict], rows: list[Row], rebuilds: list, machine: list, argv: list[str],
           sample: tuple[Row, Row] | None = None) -> str:
    out = ["# zhbook benchmark", "",
           f"`bench/run.py {' '.join(argv)}`".replace(" `", "`"), "",
           "| machine | |", "|---|---|"]
    out += [f"| {k} | {v} |" for k, v in machine]
    out += ["", "## Books", "",
            "Generated by `bench/gen.py` (fixed seed): words of the real book plus rarer words over "
            "~3,500 font-covered hanzi, `#`/`##` headings, `[^n]` footnotes, Latin and numbers mixed in.", "",
            "| size | Han characters | all characters | chapters | distinct Han | footnotes |",
            "|---|---:|---:|---:|---:|---:|"]
    for f in facts_list:
        out.append(f"| {f['label']} | {f['han']:,} | {f['chars']:,} | {f['chapters']} | "
                   f"{f['distinct_han']:,} | {f['footnotes']:,} |")

    out += ["", "## Results", "",
            "cold = the builder's caches (all of them: font subsets, Markdown, PDF parts, covers; kept in the work "
            "folder through ZHBOOK_CACHE_DIR) emptied before the run; "
            "warm = run again at once, nothing changed. "
            "Peak MB: largest sum of PSS (proportional set: a page shared by forked processes counts once) over "
            "the process and all its descendants (sampled every 20 ms). "
            "Ratios: time (and memory) over the peer's: EPUB against pandoc, PDF against plain WeasyPrint.", "",
            "| size | tool | output | wall s | peak MB | size KB | time vs peer | memory vs peer |",
            "|---|---|---|---:|---:|---:|---:|---:|"]
    for f in facts_list:
        size_rows = [r for r in rows if r.size == f["label"]]
        peers = {r.output: r for r in size_rows if not r.tool.startswith("zhbook")}
        for r in size_rows:
            peer = peers.get(r.output)
            peer_ok = peer is not None and peer.ok
            if r.m is None:
                out.append(f"| {r.size} | {r.tool} | {r.output} | — | — | — | {r.note} | |")
                continue
            if not r.ok:
                out.append(f"| {r.size} | {r.tool} | {r.output} | {fmt(r.m.wall)} | {fmt(r.m.peak_pss / MB, 0)} | "
                           f"— | failed: {failure(r.m)} | |")
                continue
            is_ours = r.tool.startswith("zhbook")
            t = ratio(r.m.wall, peer.m.wall) if is_ours and peer_ok else ("1.00×" if not is_ours else "—")
            mem = ""
            if r.output == "PDF":
                mem = ratio(r.m.peak_pss, peer.m.peak_pss) if is_ours and peer_ok else ("1.00×" if not is_ours else "—")
            out.append(f"| {r.size} | {r.tool} | {r.output} | {fmt(r.m.wall)} | {fmt(r.m.peak_pss / MB, 0)} | "
                       f"{fmt(r.kb, 0)} | {t} | {mem} |")

    out += ["", "## Scaling: wall seconds per 100K Han characters", "",
            "| size | zhbook EPUB cold | zhbook EPUB warm | pandoc EPUB | zhbook PDF cold | zhbook PDF warm | plain WeasyPrint PDF |",
            "|---|---:|---:|---:|---:|---:|---:|"]
    for f in facts_list:
        per = f["han"] / 100_000
        cells = []
        for tool, output in (("zhbook cold", "EPUB"), ("zhbook warm", "EPUB"), ("pandoc", "EPUB"),
                             ("zhbook cold", "PDF"), ("zhbook warm", "PDF"), ("plain WeasyPrint", "PDF")):
            r = next((r for r in rows if r.size == f["label"] and r.tool == tool and r.output == output), None)
            cells.append(fmt(r.m.wall / per, 2) if r is not None and r.ok else "—")
        out.append(f"| {f['label']} | " + " | ".join(cells) + " |")

    if rebuilds:
        out += ["", "## Rebuilds", "",
                "| rebuild | wall s | peak MB | what happened |", "|---|---:|---:|---|"]
        for what, m, note in rebuilds:
            if m is None:
                out.append(f"| {what} | — | — | {note} |")
            else:
                status = note if m.ok else f"failed: {failure(m)}"
                out.append(f"| {what} | {fmt(m.wall, 2)} | {fmt(m.peak_pss / MB, 0)} | {status} |")
    out += targets(facts_list, rows, rebuilds, sample)
    return "\n".join(out) + "\n"


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    parser = argparse.ArgumentParser(prog="bench/run.py", description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="100k,300k,1m", help="book sizes in Han characters (default 100k,300k,1m)")
    parser.add_argument("--skip-peers", action="store_true", help="build with zhbook only")
    parser.add_argument("--skip-rebuilds", action="store_true", help="skip the rebuild measurements")
    parser.add_argument("--skip-profile", action="store_true", help="skip the profile of one PDF part")
    parser.add_argument("--skip-preview", action="store_true", help="skip the live preview's latency")
    parser.add_argument("--out", type=Path, default=HERE / "results.md",
                        help="results file, or a folder to write results.md into (default bench/results.md)")
    parser.add_argument("--work", type=Path, default=HERE / "work", help="where books and outputs go (default bench/work)")
    args = parser.parse_args(argv)
    sizes = sorted(gen.parse_size(s) for s in args.sizes.split(",") if s.strip())
    out = args.out / "results.md" if args.out.is_dir() or not args.out.suffix else args.out
    work = args.work.resolve()
    os.environ["ZHBOOK_CACHE_DIR"] = str(work / "cache")

    def log(message: str) -> None:
        print(message, file=sys.stderr, flush=True)

    started = time.perf_counter()
    machine = machine_facts()
    facts_list, rows = [], []
    for n in sizes:
        facts, size_rows = bench_size(n, work, args.skip_peers, log)
        facts_list.append(facts)
        rows += size_rows
    rebuilds = [] if args.skip_rebuilds else bench_rebuilds(facts_list[-1], work, log)
    sample = None if args.skip_peers else sample_book_sizes(work, log)
    text = report(facts_list, rows, rebuilds, machine, argv, sample)
    if not args.skip_preview:
        text += "\n" + preview_section(facts_list[-1], work, log)
    if not args.skip_profile:
        text += "\n" + profile_part(work / facts_list[-1]["label"].lower() / "book", log)
    text += ("\nLoad average at the end (1/5/15 min): "
             + " / ".join(f"{x:.2f}" for x in os.getloadavg())
             + " (other work on this 2-core machine slows every row).\n")
    at_end = tool_fingerprint()
    if at_end != dict(machine)["zhbook"]:
        text += (f"\n**Warning: the builder's sources changed during the run** (at the end: {at_end}); "
                 "its numbers may mix versions: run the benchmark again.\n")
        log("warning: zhbook's sources changed during the run")
    text += f"\nTotal benchmark time: {time.perf_counter() - started:.0f} s.\n"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(text, "utf-8")
    print(text)
    log(f"wrote {out}")
    return 0 if all(r.ok or r.m is None for r in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
