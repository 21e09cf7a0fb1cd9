import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.cli_checks import messy_build  # noqa: F401 (the messy book, built once per session)
from tests.helpers import run_build

# The tests look for the builder's caches where it keeps them by default (.cache/ at the root of the
# repository or of a copy of it): a ZHBOOK_CACHE_DIR in the developer's shell must not move them.
os.environ.pop("ZHBOOK_CACHE_DIR", None)

# Tests marked `fast` (`make test-fast`, pytest -m fast) promise to run in seconds without Java, Node,
# calibre, Chromium and without running the builder or the benchmark in a subprocess. A module marks
# all its tests with `pytestmark = pytest.mark.fast`, a single test with `@pytest.mark.fast`. Marking is
# explicit, never guessed from fixtures (many tests build by calling run_build directly); instead the
# promise is checked: a fast test that starts one of these programs fails, naming it.
SLOW_PROGRAMS = {"java", "node", "npm", "npx", "ebook-convert", "chromium", "chromium-browser", "pandoc", "make"}
SLOW_SCRIPTS = {"build.py", "run.py"}  # the builder and bench/run.py, run by this (complete) Python


def _slow_command(args) -> str | None:
    argv = [args] if isinstance(args, (str, bytes, os.PathLike)) else list(args)
    if not argv:
        return None
    first = os.path.basename(os.fsdecode(argv[0])).split()[0] if argv[0] else ""
    if first in SLOW_PROGRAMS:
        return first
    if os.path.realpath(os.fsdecode(argv[0])) == os.path.realpath(sys.executable):
        rest = [os.fsdecode(a) for a in argv[1:]]
        for i, arg in enumerate(rest):
            if os.path.basename(arg) in SLOW_SCRIPTS:
                return f"python {arg}"
            if arg == "-m" and i + 1 < len(rest) and rest[i + 1] in ("zhbook", "pytest"):
                return f"python -m {rest[i + 1]}"
    return None


@pytest.fixture(autouse=True)
def _fast_tests_stay_fast(request, monkeypatch):
    if request.node.get_closest_marker("fast") is None:
        return
    real_init = subprocess.Popen.__init__

    def guarded(self, args, *rest, **kwargs):
        slow = _slow_command(args)
        if slow is not None:
            raise AssertionError(f"a test marked fast ran {slow!r}: drop its fast mark (see README, Tests)")
        real_init(self, args, *rest, **kwargs)

    monkeypatch.setattr(subprocess.Popen, "__init__", guarded)
    # EPUBCheck in this process (jpype) starts a Java VM: not fast either.
    for module in [m for name, m in list(sys.modules.items()) if name.endswith("epubcheck_jvm")]:
        if hasattr(module, "_epub_checker"):
            monkeypatch.setattr(module, "_epub_checker", _no_jvm)


def _no_jvm():
    raise AssertionError("a test marked fast started EPUBCheck's Java VM: drop its fast mark (see README, Tests)")


def _build_all(tmp_path_factory, book: str, slug: str) -> dict[str, Path]:
    """book built by the real CLI into a fresh folder, with a reproducible build date."""
    out = tmp_path_factory.mktemp(slug)
    env = dict(os.environ, SOURCE_DATE_EPOCH="1700000000")
    result = run_build("all", "--book", book, "--out", out, env=env)
    return {"epub": out / f"{slug}.epub", "pdf": out / f"{slug}.pdf", "out": out, "log": result}


@pytest.fixture(scope="session")
def built(tmp_path_factory) -> dict[str, Path]:
    """The sample book, built once per test session."""
    return _build_all(tmp_path_factory, "book", "jiebei-yuqi")


@pytest.fixture(scope="session")
def hant_built(tmp_path_factory) -> dict[str, Path]:
    """The sample book's Traditional Chinese edition (--edition zh-Hant), built once per session."""
    out = tmp_path_factory.mktemp("hant")
    env = dict(os.environ, SOURCE_DATE_EPOCH="1700000000")
    result = run_build("all", "--edition", "zh-Hant", "--book", "book", "--out", out, env=env)
    slug = "jiebei-yuqi.zh-Hant"
    return {"epub": out / f"{slug}.epub", "pdf": out / f"{slug}.pdf", "review": out / f"{slug}.review.txt",
            "out": out, "log": result}


@pytest.fixture(scope="session")
def features_built(tmp_path_factory) -> dict[str, Path]:
    """examples/features (every structural element of a book), built once per session."""
    return _build_all(tmp_path_factory, "examples/features", "features")


@pytest.fixture(scope="session")
def ruby_built(tmp_path_factory) -> dict[str, Path]:
    """examples/ruby (pinyin and Zhuyin ruby), built once per session."""
    return _build_all(tmp_path_factory, "examples/ruby", "ruby")


@pytest.fixture(scope="session")
def zhuyin_built(tmp_path_factory) -> dict[str, Path]:
    """tests/data/zhuyin-book (a zh-Hant book with Zhuyin ruby), built once per session."""
    return _build_all(tmp_path_factory, "tests/data/zhuyin-book", "zhuyin")
