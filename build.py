#!/usr/bin/env python3
"""Build the book: python build.py {epub,pdf,all,import} [--book DIR] [--out DIR] [--strict].

A thin shim: zhbook.launch checks for the dependencies (one line saying to run `make` if they are
missing), then runs zhbook.cli. `python -m zhbook` and the installed `zhbook` command are the same.
"""

import sys

from zhbook.launch import main

if __name__ == "__main__":
    sys.exit(main(prog="build.py"))
