#!/usr/bin/env python3
"""Build the book: python build.py {epub,pdf,all} [--book DIR] [--out DIR] [--strict]."""

import sys

from zhbook.cli import main

if __name__ == "__main__":
    sys.exit(main())
