"""zhbook.paths: the tool's styles/ and fonts/ and the cache folder, in a source checkout and installed."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from zhbook import paths

REPO = Path(__file__).resolve().parent.parent

# Run in a child Python whose only zhbook is the one under SITE: what paths.py finds there.
PROBE = """
import json, sys
sys.path.insert(0, sys.argv[1])
from zhbook import paths
print(json.dumps({"package": str(paths.PACKAGE_DIR), "tool_root": str(paths.tool_root()),
                  "styles": str(paths.styles_dir()), "fonts": str(paths.fonts_dir()),
                  "cache": str(paths.cache_dir())}))
"""


def probe(site: Path, cwd: Path, cache_env: str | None = None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", paths.CACHE_ENV)}
    if cache_env is not None:
        env[paths.CACHE_ENV] = cache_env
    result = subprocess.run([sys.executable, "-I", "-c", PROBE, str(site)], cwd=cwd, env=env,
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def installed_copy(site: Path) -> Path:
    """The layout `pip install .` makes: the package with styles/ and fonts/ inside, no repository."""
    package = site / "zhbook"
    shutil.copytree(REPO / "zhbook", package, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copytree(REPO / "styles", package / "styles")
    shutil.copytree(REPO / "fonts", package / "fonts", ignore=shutil.ignore_patterns("*.otf", "*.ttf"))
    return package


@pytest.mark.fast
def test_a_source_checkout_finds_the_repositorys_styles_and_fonts():
    assert paths.tool_root() == REPO
    assert paths.styles_dir() == REPO / "styles" and (paths.styles_dir() / "book.css").is_file()
    assert paths.fonts_dir() == REPO / "fonts" and (paths.fonts_dir() / "fonts.toml").is_file()


@pytest.mark.fast
def test_the_cache_is_at_the_repository_root_when_run_from_it(monkeypatch, tmp_path):
    monkeypatch.delenv(paths.CACHE_ENV, raising=False)
    monkeypatch.chdir(tmp_path)  # wherever the command is run from
    assert paths.repository_root() == REPO
    assert paths.cache_dir() == REPO / ".cache"


@pytest.mark.fast
def test_zhbook_cache_dir_wins_and_a_relative_one_is_made_absolute(monkeypatch, tmp_path):
    monkeypatch.setenv(paths.CACHE_ENV, str(tmp_path / "somewhere"))
    assert paths.cache_dir() == tmp_path / "somewhere"
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv(paths.CACHE_ENV, "rel/cache")
    assert paths.cache_dir() == tmp_path / "rel" / "cache"
    monkeypatch.setenv(paths.CACHE_ENV, "")  # empty: as if unset
    assert paths.cache_dir() == REPO / ".cache"


@pytest.mark.fast
def test_installed_it_finds_its_resources_in_the_package_and_caches_in_the_current_folder(tmp_path):
    package = installed_copy(tmp_path / "site")
    work = tmp_path / "work"
    work.mkdir()
    found = probe(tmp_path / "site", cwd=work)
    assert found["package"] == str(package)
    assert found["tool_root"] == str(package)
    assert found["styles"] == str(package / "styles") and found["fonts"] == str(package / "fonts")
    assert found["cache"] == str(work / ".cache")  # never the user's home, never site-packages
    assert probe(tmp_path / "site", cwd=work, cache_env=str(tmp_path / "c"))["cache"] == str(tmp_path / "c")


@pytest.mark.fast
def test_a_copy_with_fonts_and_styles_beside_the_package_is_a_source_checkout(tmp_path):
    """What tests/cli_checks.code_copy makes: the builder's files beside each other, no pyproject.toml:
    resources from beside the package, the cache in the current folder (the tests run it from there)."""
    root = tmp_path / "copy"
    shutil.copytree(REPO / "zhbook", root / "zhbook", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copytree(REPO / "styles", root / "styles")
    (root / "fonts").mkdir()
    shutil.copy2(REPO / "fonts" / "fonts.toml", root / "fonts" / "fonts.toml")
    found = probe(root, cwd=root)
    assert (found["tool_root"], found["styles"], found["fonts"]) == (str(root), str(root / "styles"), str(root / "fonts"))
    assert found["cache"] == str(root / ".cache")
    (root / "pyproject.toml").write_text("")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    assert probe(root, cwd=elsewhere)["cache"] == str(root / ".cache")


@pytest.mark.slow
def test_the_wheel_holds_the_code_templates_styles_and_fonts_where_paths_looks(tmp_path):
    """A real wheel, built by the pinned setuptools (no download), unpacked as pip installs it."""
    pytest.importorskip("setuptools", reason="setuptools is pinned in requirements-dev.txt: run make")
    source = tmp_path / "source"  # a copy, so the build leaves nothing in the repository
    source.mkdir()
    for name in ("pyproject.toml", "setup.py", "README.md", "requirements.txt"):
        shutil.copy2(REPO / name, source / name)
    for folder in ("zhbook", "styles", "fonts"):
        shutil.copytree(REPO / folder, source / folder, ignore=shutil.ignore_patterns("__pycache__"))
    result = subprocess.run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--no-build-isolation",
                             "--wheel-dir", str(tmp_path / "wheel"), str(source)],
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]
    [wheel] = (tmp_path / "wheel").glob("zhbook-*.whl")
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
        archive.extractall(tmp_path / "site")
    ignored = ("__pycache__", ".pyc")
    expected = {str(p.relative_to(REPO)) for p in (REPO / "zhbook").rglob("*")
                if p.is_file() and not any(i in str(p) for i in ignored)}
    expected |= {f"zhbook/{p.relative_to(REPO)}" for folder in ("styles", "fonts") for p in (REPO / folder).rglob("*")
                 if p.is_file()}
    assert expected - names == set()
    entry_points = next(n for n in names if n.endswith(".dist-info/entry_points.txt"))
    metadata = next(n for n in names if n.endswith(".dist-info/METADATA"))
    with zipfile.ZipFile(wheel) as archive:
        assert "zhbook = zhbook.launch:main" in archive.read(entry_points).decode()
        requires = {line.split(": ", 1)[1] for line in archive.read(metadata).decode().splitlines()
                    if line.startswith("Requires-Dist: ")}
    pins = {line.strip() for line in (REPO / "requirements.txt").read_text().splitlines()
            if line.strip() and not line.startswith("#")}
    assert requires == pins  # the runtime pins, from requirements.txt
    work = tmp_path / "work"
    work.mkdir()
    found = probe(tmp_path / "site", cwd=work)
    assert found["tool_root"] == str(tmp_path / "site" / "zhbook")
    assert (Path(found["fonts"]) / "NotoSerifCJKsc-Regular.otf").is_file()
    assert (Path(found["styles"]) / "book.css").is_file()
    assert found["cache"] == str(work / ".cache")
