"""The Makefile: every file of the builder is a prerequisite of the outputs, nested packages included,
and the targets the README names are there. (Runs make, so not marked fast.)"""

import re
import subprocess
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def make(*args: str) -> str:
    result = subprocess.run(["make", *args], cwd=REPO, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_tool_sources_are_every_file_of_the_builder_nested_packages_included():
    database = make("--print-data-base", "--dry-run", "help")  # make's variables, nothing run
    line = next(l for l in database.splitlines() if l.startswith("TOOL_SOURCES := "))
    listed = set(line.split(" := ", 1)[1].split())
    expected = {"build.py"} | {str(p.relative_to(REPO)) for folder in ("zhbook", "styles", "fonts")
                               for p in (REPO / folder).rglob("*") if p.is_file() and "__pycache__" not in p.parts}
    assert expected - listed == set()
    assert any(name.count("/") >= 2 and name.endswith(".py") for name in listed)  # zhbook/<package>/<module>.py


def test_help_lists_the_targets_the_readme_names():
    targets = set(re.findall(r"^([a-z-]+)\t", make("-s", "help"), re.M))
    assert {"all", "epub", "pdf", "print", "check", "import", "fuzz", "bench", "clean", "help", "test",
            "test-fast"} <= targets
