"""Where the tool's own files are, and where its caches go.

The stylesheets (`styles/`) and the fonts (`fonts/`: fonts.toml, the .otf files, README, OFL) live at
the repository root. In a source checkout (or an editable install) they are found there, beside the
package; `pip install .` maps them into the installed package (`zhbook/styles`, `zhbook/fonts`: see
setup.py), where importlib.resources finds them.

The caches (font subsets, Markdown renderings, PDF parts, covers) go to `$ZHBOOK_CACHE_DIR` if set;
else, run from the repository (the package's parent folder holds pyproject.toml), to `.cache/` at the
repository root; else (an installed zhbook) to `.cache/` in the current folder. Never the user's home.

Standard library only: zhbook.launch may import it before the dependencies are known to be there.
"""

from __future__ import annotations

import os
from importlib import resources
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent
CACHE_ENV = "ZHBOOK_CACHE_DIR"


def source_root() -> Path | None:
    """The repository holding this package, with fonts/ and styles/ beside it, or None (installed)."""
    root = PACKAGE_DIR.parent
    if (root / "fonts").is_dir() and (root / "styles").is_dir():
        return root
    return None


def repository_root() -> Path | None:
    """The repository this package runs from (source checkout or editable install), or None."""
    root = PACKAGE_DIR.parent
    return root if (root / "pyproject.toml").is_file() else None


def tool_root() -> Path:
    """The folder holding fonts/ and styles/: the repository, or the installed package."""
    root = source_root()
    if root is not None:
        return root
    installed = resources.files(__package__)
    if not isinstance(installed, Path):  # a zip import: WeasyPrint and fontTools need real files
        raise RuntimeError(f"zhbook must be installed as files, not in an archive ({installed})")
    return installed


def styles_dir() -> Path:
    return tool_root() / "styles"


def fonts_dir() -> Path:
    return tool_root() / "fonts"


def cache_dir() -> Path:
    """$ZHBOOK_CACHE_DIR, else .cache/ at the repository root, else .cache/ in the current folder."""
    chosen = os.environ.get(CACHE_ENV)
    if chosen:
        return Path(chosen).absolute()
    root = repository_root()
    if root is not None:
        return root / ".cache"
    return Path.cwd() / ".cache"
