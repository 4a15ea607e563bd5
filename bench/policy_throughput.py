"""The policy pack over its gRPC protocol on synthetic stacks, against its no-op twin."""

from __future__ import annotations

import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
# As pytest.ini puts them on the path for the tests: the corpus, the project, the pack.
sys.path[:0] = [str(HERE.parent / "tests"), str(HERE.parent), str(HERE.parent / "policies")]

from policy_corpus import CORPUS  # noqa: E402

from offline_preview.engine import POLICY_PACK_DIR, PolicyEngine, Resource  # noqa: E402

PACKS = {"homelab-ai-gpu": POLICY_PACK_DIR, "no-op": HERE / "noop_pack"}


def synthetic_stack(size: int) -> list[Resource]:
    """``size`` GPU-workload resources of every kind the corpus has, good and bad, unknowns included."""
    return [
        Resource(case.type, f"r{index}", case.props, urn=f"urn:pulumi:bench::homelab-ai::{case.type}::r{index}")
        for index, case in ((i, CORPUS[i % len(CORPUS)]) for i in range(size))
    ]


def _analyze(engine: PolicyEngine, stack: list[Resource]) -> tuple[float, float]:
    start = time.perf_counter()
    for resource in stack:
        engine.analyze_resource(resource)
    middle = time.perf_counter()
    engine.analyze_stack(stack)
    return middle - start, time.perf_counter() - middle


def startup(runs: int) -> dict:
    """Process start to port printed and channel ready, as the engine waits for it."""
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        PolicyEngine().close()
        times.append(time.perf_counter() - start)
    return {"runs": runs, "min_s": min(times), "goal_s": 0.5, "samples": times}


def measure(sizes: tuple[int, ...], repeats: int) -> dict:
    results: dict = {"sizes": list(sizes), "repeats": repeats, "packs": {}}
    for pack, directory in PACKS.items():
        with PolicyEngine(program=str(directory), cwd=directory) as engine:
            engine.configure({})
            rows = []
            for size in sizes:
                stack = synthetic_stack(size)
                runs = [_analyze(engine, stack) for _ in range(repeats)]
                analyze, analyze_stack = min(r[0] for r in runs), min(r[1] for r in runs)
                total = analyze + analyze_stack
                rows.append({"size": size, "analyze_s": analyze, "analyze_stack_s": analyze_stack,
                             "total_s": total, "resources_per_s": size / total})
            results["packs"][pack] = rows
    ours, floor = results["packs"]["homelab-ai-gpu"], results["packs"]["no-op"]
    results["ratios"] = [a["total_s"] / b["total_s"] for a, b in zip(ours, floor, strict=True)]
    results["goal_ratio"] = 1.5
    results["slope_ms_per_resource"] = {pack: _slope(rows) * 1000 for pack, rows in results["packs"].items()}
    results["ms_per_resource"] = {pack: [r["total_s"] / r["size"] * 1000 for r in rows]
                                  for pack, rows in results["packs"].items()}
    return results


def _slope(rows: list[dict]) -> float:
    """Least-squares seconds per resource: linear growth keeps ms per resource flat across sizes."""
    xs, ys = [r["size"] for r in rows], [r["total_s"] for r in rows]
    mean_x, mean_y = sum(xs) / len(xs), sum(ys) / len(ys)
    return sum((x - mean_x) * (y - mean_y) for x, y in zip(xs, ys, strict=True)) / sum((x - mean_x) ** 2 for x in xs)
