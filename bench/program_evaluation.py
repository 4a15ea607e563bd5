"""Program evaluation under mocks, the homelab stack against the floor, each in fresh interpreters."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent


def _once(which: str) -> float:
    start = time.perf_counter()
    subprocess.run([sys.executable, str(HERE / "evaluate_once.py"), which], check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - start


def measure(runs: int) -> dict:
    """Minimum wall time of ``runs`` evaluations each, interleaved so drift hits both alike."""
    times: dict[str, list[float]] = {"homelab": [], "bare": []}
    for _ in range(runs):
        for which in times:
            times[which].append(_once(which))
    homelab, bare = min(times["homelab"]), min(times["bare"])
    return {"runs": runs, "homelab_s": homelab, "bare_s": bare, "ratio": homelab / bare, "goal_ratio": 1.3,
            "samples": times}
