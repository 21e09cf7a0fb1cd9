"""The one thing pyproject.toml cannot say: the packages are every package found under zhbook/ (new
subpackages need no listing) plus zhbook.fonts and zhbook.styles, which pyproject.toml maps to the
repository's fonts/ and styles/. Everything else is in pyproject.toml."""

from setuptools import find_packages, setup

setup(packages=find_packages(include=["zhbook", "zhbook.*"]) + ["zhbook.fonts", "zhbook.styles"])
