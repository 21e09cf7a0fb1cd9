"""python -m zhbook {epub,pdf,all,import,check} …: the same command line as build.py and `zhbook`."""

import sys

from zhbook.launch import main

if __name__ == "__main__":
    sys.exit(main(prog="python -m zhbook"))
