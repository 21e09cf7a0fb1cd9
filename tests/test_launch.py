"""Every entry point (build.py, python -m zhbook, the zhbook script) checks for the dependencies first:
a Python without them gets one line saying to run `make`, not a traceback."""

from __future__ import annotations

import ast
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from zhbook import launch

REPO = Path(__file__).resolve().parent.parent

HAS_WEASYPRINT = "import importlib.util, sys; sys.exit(0 if importlib.util.find_spec('weasyprint') else 3)"


def _bare_python() -> str | None:
    """The system Python, which has none of the dependencies (the usual mistake: python3 build.py)."""
    for candidate in ("/usr/bin/python3", shutil.which("python3", path=os.defpath), shutil.which("python3")):
        if candidate and os.path.exists(candidate) and os.path.realpath(candidate) != os.path.realpath(sys.executable):
            result = subprocess.run([candidate, "-I", "-c", HAS_WEASYPRINT], capture_output=True, timeout=60)
            if result.returncode == 3:
                return candidate
    return None


BARE = _bare_python()
needs_bare = pytest.mark.skipif(BARE is None, reason="no Python without weasyprint on this machine")


def clean_env() -> dict[str, str]:
    """The environment without what would point Python at our venv's packages."""
    return {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV")}


@pytest.mark.fast
@needs_bare
@pytest.mark.parametrize("command", [
    ["build.py", "epub"],
    ["-s", "build.py", "pdf", "--book", "book"],
    ["-E", "build.py", "all"],
    ["-s", "-E", "build.py", "import", "x.txt", "--out", "y"],
    ["-m", "zhbook", "epub"],
    ["-s", "-m", "zhbook", "--help"],
    ["-E", "-m", "zhbook", "all"],
])
def test_a_python_without_the_dependencies_gets_one_line_saying_to_run_make(command):
    result = subprocess.run([BARE, *command], cwd=REPO, env=clean_env(), capture_output=True, text=True, timeout=60)
    assert result.returncode == 1, result.stderr
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("error: ") and "`make`" in lines[0] and "weasyprint" in lines[0]
    assert "Traceback" not in result.stderr
    args = command[command.index("build.py") + 1:] if "build.py" in command else command[command.index("zhbook") + 1:]
    how = "build.py" if "build.py" in command else "-m zhbook"
    if (REPO / ".venv" / "bin" / "python").exists():  # it names the command to use instead
        assert f".venv/bin/python {how} {' '.join(args)}" in lines[0], lines[0]


@pytest.mark.fast
@needs_bare
def test_build_py_from_another_folder_names_the_venv_by_its_full_path(tmp_path):
    result = subprocess.run([BARE, str(REPO / "build.py"), "epub"], cwd=tmp_path, env=clean_env(),
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 1 and len(result.stderr.splitlines()) == 1, result.stderr
    assert f"{REPO / '.venv' / 'bin' / 'python'} {REPO / 'build.py'} epub" in result.stderr


def test_the_installed_script_and_python_m_zhbook_run_the_cli_when_the_dependencies_are_there():
    """Not fast: it runs this Python's build.py (only --help, but the fast guard refuses any)."""
    for command in ([sys.executable, "-m", "zhbook", "--help"], [sys.executable, "build.py", "--help"]):
        result = subprocess.run(command, cwd=REPO, capture_output=True, text=True, timeout=60)
        assert result.returncode == 0 and "{epub,pdf,all,import,check,new,preview}" in result.stdout, result.stderr
    script = Path(sys.executable).parent / "zhbook"
    if not script.exists():
        pytest.skip("zhbook is not installed in this environment (make installs it: pip install -e .)")
    result = subprocess.run([str(script), "--help"], cwd=REPO, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0 and "{epub,pdf,all,import,check,new,preview}" in result.stdout, result.stderr


def _without(monkeypatch, *names):
    real = launch.find_spec
    monkeypatch.setattr(launch, "find_spec", lambda name, *a: None if name in names else real(name, *a))


@pytest.mark.fast
def test_the_script_without_its_dependencies_says_how_to_install_them(monkeypatch, capsys, tmp_path):
    _without(monkeypatch, "weasyprint", "pikepdf")
    monkeypatch.setattr(launch.paths, "source_root", lambda: None)  # installed: no repository
    assert launch.main(["epub"], prog="zhbook") == 1
    out, err = capsys.readouterr()
    assert out == "" and len(err.splitlines()) == 1
    assert "weasyprint, pikepdf are not installed" in err and "without --no-deps" in err and "`make`" in err


@pytest.mark.fast
def test_in_a_checkout_without_a_venv_it_says_run_make_first(monkeypatch, capsys, tmp_path):
    _without(monkeypatch, "lxml")
    monkeypatch.setattr(launch.paths, "source_root", lambda: tmp_path)
    monkeypatch.chdir(tmp_path)
    assert launch.main(["pdf", "--book", "my book"], prog="zhbook") == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert "lxml is not installed" in err and "run `make` first" in err and ".venv/bin/zhbook pdf --book 'my book'" in err


@pytest.mark.fast
def test_inside_a_broken_venv_it_says_to_make_it_again(monkeypatch, capsys, tmp_path):
    _without(monkeypatch, *launch.REQUIRED)
    (tmp_path / ".venv" / "bin").mkdir(parents=True)
    (tmp_path / ".venv" / "bin" / "python").touch()
    monkeypatch.setattr(launch.paths, "source_root", lambda: tmp_path)
    monkeypatch.setattr(sys, "prefix", str(tmp_path / ".venv"))
    assert launch.main(["epub"], prog="build.py") == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and f"and {len(launch.REQUIRED) - 3} more" in err and "rm -rf .venv && make" in err


@pytest.mark.fast
def test_too_old_a_python_is_one_line(monkeypatch, capsys):
    monkeypatch.setattr(launch, "MIN_PYTHON", (sys.version_info.major, sys.version_info.minor + 1))
    assert launch.main(["epub"], prog="build.py") == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "needs Python" in err and "make" in err


@pytest.mark.fast
def test_with_the_dependencies_it_runs_the_cli(monkeypatch):
    import zhbook.cli
    seen = []
    monkeypatch.setattr(zhbook.cli, "main", lambda argv, prog: seen.append((argv, prog)) or 7)
    assert launch.main(["epub", "--book", "b"], prog="build.py") == 7
    assert seen == [(["epub", "--book", "b"], "build.py")]


def _imports(path: Path) -> set[str]:
    """The top-level modules a file imports (relative imports excluded)."""
    names = set()
    for node in ast.walk(ast.parse(path.read_text("utf-8"))):
        if isinstance(node, ast.Import):
            names |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module.split(".")[0])
    return names


@pytest.mark.fast
def test_the_check_covers_every_third_party_module_zhbook_imports():
    third_party = set()
    for path in (REPO / "zhbook").rglob("*.py"):
        third_party |= {name for name in _imports(path)
                        if name not in sys.stdlib_module_names and name not in ("zhbook", "__future__")}
    assert third_party - set(launch.REQUIRED) == set(), "add these to zhbook.launch.REQUIRED"


@pytest.mark.fast
@pytest.mark.parametrize("name", ["__init__.py", "__main__.py", "launch.py", "paths.py"])
def test_what_runs_before_the_check_imports_only_the_standard_library(name):
    imported = _imports(REPO / "zhbook" / name) - {"zhbook", "__future__"}
    assert imported <= set(sys.stdlib_module_names), imported
    assert _imports(REPO / "build.py") <= {"sys", "zhbook"}
