"""Reading what the worker processes report: their JSON line, and counts per one-second window."""

from __future__ import annotations

import json
import math
import subprocess
import time


def start_together(processes: list[subprocess.Popen], *, whole_second: bool = False) -> float:
    """Wait until every process is ready, then give them one start time: in 0.2 s, or at the
    next whole second at least 0.2 s away."""
    for process in processes:
        assert process.stdout.readline().strip() == "ready"
    start = time.time() + 0.2
    if whole_second:
        start = float(math.ceil(start))
    for process in processes:
        process.stdin.write(f"{start}\n")
        process.stdin.flush()
    return start


def result(process: subprocess.Popen, timeout: float = 60) -> dict:
    """The JSON line a hammer process prints when it is done."""
    out, _err = process.communicate(timeout=timeout)  # (closes stdin)
    assert process.returncode == 0, out
    return json.loads(out.strip().splitlines()[-1])


def per_second(stamps: list[float]) -> dict[int, int]:
    """Count of events per epoch second (aligned one-second windows)."""
    counts: dict[int, int] = {}
    for stamp in stamps:
        counts[int(stamp)] = counts.get(int(stamp), 0) + 1
    return counts


def full_seconds(counts: dict[int, int]) -> list[int]:
    """Counts of the windows after the first one and before the last (partial) one."""
    seconds = sorted(counts)
    return [counts.get(s, 0) for s in range(seconds[0] + 1, seconds[-1])]
