"""Run a command; measure its wall time and the peak memory of its whole process tree.

Every ~20 ms the runner reads /proc: the parent of every process (stat), then sums the resident set
(statm) and the proportional set (smaps_rollup's Pss: a page shared by n processes, as forked
workers share their parent's, counts 1/n in each) of the command's process and all its
descendants, and keeps the largest sums. A spike
shorter than the interval can slip between two samples. The kernel's own peak (wait4's ru_maxrss,
what `/usr/bin/time -v` reports) is kept beside it for reference only: it is the largest single
process, not the tree, and on Linux it also counts the runner's own memory that the child had
between fork and exec, so a tiny command shows the runner's size there.
"""

from __future__ import annotations

import os
import subprocess
import time
from dataclasses import dataclass

PAGE = os.sysconf("SC_PAGE_SIZE")
INTERVAL = 0.02


@dataclass
class Measurement:
    returncode: int
    wall: float  # seconds
    peak_rss: int  # bytes, whole tree
    peak_pss: int  # bytes, whole tree: shared pages counted once
    peak_single: int  # bytes, kernel's ru_maxrss of the largest process (see above)
    processes: int  # most processes of the tree seen at once
    stderr: str
    stdout: str = ""

    @property
    def ok(self) -> bool:
        return self.returncode == 0


def _pss(pid: int) -> int:
    with open(f"/proc/{pid}/smaps_rollup", "rb") as f:
        for line in f:
            if line.startswith(b"Pss:"):
                return int(line.split()[1]) * 1024
    return 0


def _tree_memory(root: int) -> tuple[int, int, int]:
    children: dict[int, list[int]] = {}
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            with open(f"/proc/{name}/stat", "rb") as f:
                stat = f.read()
        except OSError:
            continue
        # The command name (field 2) may hold spaces and parentheses: split after the last ')'.
        ppid = int(stat[stat.rindex(b")") + 2:].split()[1])
        children.setdefault(ppid, []).append(int(name))
    total = proportional = count = 0
    todo = [root]
    while todo:
        pid = todo.pop()
        try:
            with open(f"/proc/{pid}/statm", "rb") as f:
                total += int(f.read().split()[1]) * PAGE
            proportional += _pss(pid)
            count += 1
        except (OSError, IndexError, ValueError):
            pass
        todo.extend(children.get(pid, ()))
    return total, proportional, count


def run(cmd: list[str], cwd=None, env=None, timeout: float = 3600) -> Measurement:
    started = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    # Both pipes are read at the end: keep them from filling by draining each in a thread.
    import threading

    chunks: list[bytes] = []
    out_chunks: list[bytes] = []
    readers = [threading.Thread(target=lambda: chunks.append(proc.stderr.read()), daemon=True),
               threading.Thread(target=lambda: out_chunks.append(proc.stdout.read()), daemon=True)]
    for reader in readers:
        reader.start()
    peak = peak_pss = most = 0
    while True:
        pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
        if pid:
            break
        rss, pss, count = _tree_memory(proc.pid)
        peak, peak_pss, most = max(peak, rss), max(peak_pss, pss), max(most, count)
        if time.perf_counter() - started > timeout:
            proc.kill()
        time.sleep(INTERVAL)
    wall = time.perf_counter() - started
    proc.returncode = os.waitstatus_to_exitcode(status)
    for reader in readers:
        reader.join(5)
    single = usage.ru_maxrss * 1024
    return Measurement(proc.returncode, wall, peak, peak_pss, single, most,
                       b"".join(chunks).decode("utf-8", "replace"), b"".join(out_chunks).decode("utf-8", "replace"))


if __name__ == "__main__":
    import sys

    m = run(sys.argv[1:])
    print(f"rc={m.returncode} wall={m.wall:.2f}s peak={m.peak_rss / 2**20:.0f}MB pss={m.peak_pss / 2**20:.0f}MB "
          f"single={m.peak_single / 2**20:.0f}MB procs={m.processes}")
