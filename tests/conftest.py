import os
from pathlib import Path

import pytest

from tests.cli_checks import messy_build  # noqa: F401 (issue 5's messy book, built once per session)
from tests.helpers import run_build


@pytest.fixture(scope="session")
def built(tmp_path_factory) -> dict[str, Path]:
    """The real book, built once per test session by the real CLI (reproducible build date)."""
    out = tmp_path_factory.mktemp("dist")
    env = dict(os.environ, SOURCE_DATE_EPOCH="1700000000")
    result = run_build("all", "--book", "book", "--out", out, env=env)
    return {"epub": out / "jiebei-yuqi.epub", "pdf": out / "jiebei-yuqi.pdf", "out": out, "log": result}
