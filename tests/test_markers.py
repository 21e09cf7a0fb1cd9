"""The `fast` mark (make test-fast) is a promise the conftest checks: these tests show it can fail."""

import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
pytestmark = pytest.mark.fast


@pytest.mark.parametrize("command, named", [
    (["java", "-jar", "epubcheck.jar"], "java"),
    (["/usr/bin/node", "render.mjs"], "node"),
    (["ebook-convert", "a.epub", "a.txt"], "ebook-convert"),
    ([sys.executable, "build.py", "epub"], "build.py"),
    ([sys.executable, str(REPO / "bench" / "run.py"), "--sizes", "5k"], "run.py"),
    ([sys.executable, "-m", "zhbook", "pdf"], "-m zhbook"),
    ("make test", "make"),
])
def test_a_fast_test_cannot_start_a_slow_program(command, named):
    with pytest.raises(AssertionError, match=f"marked fast ran .*{named}"):
        subprocess.run(command, capture_output=True, timeout=5)


def test_a_fast_test_may_start_a_small_process():
    assert subprocess.run([sys.executable, "-c", "print(6 * 7)"], capture_output=True, text=True).stdout == "42\n"


def test_the_marks_are_registered_and_strict():
    config = tomllib.loads((REPO / "pyproject.toml").read_text("utf-8"))["tool"]["pytest"]["ini_options"]
    assert "--strict-markers" in config["addopts"]
    assert {line.split(":")[0] for line in config["markers"]} >= {"fast", "slow", "reader"}
    assert config["testpaths"] == ["tests"]
