"""Wall time of the whole test suite, run the way the README says."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def measure() -> dict:
    start = time.perf_counter()
    result = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"], cwd=ROOT,
                            capture_output=True, text=True)
    elapsed = time.perf_counter() - start
    summary = result.stdout.strip().splitlines()[-1] if result.stdout.strip() else ""
    return {"wall_s": elapsed, "goal_s": 30.0, "exit_code": result.returncode, "summary": summary}
