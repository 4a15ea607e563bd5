"""`python -m bench`: program evaluation, policy throughput and test-suite time, side by side.

Prints a Markdown table and writes it, with the raw numbers, to bench/results/latest.md and
bench/results/latest.json. Benchmarks, not tests: a goal missed is reported, never a failure.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
from datetime import datetime, timezone
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import policy_throughput  # noqa: E402
import program_evaluation  # noqa: E402
import suite_time  # noqa: E402


def machine() -> str:
    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.processor()) if Path("/proc/cpuinfo").exists() else platform.processor()
    return f"{os.cpu_count()} cores, {cpu}, Python {platform.python_version()}, {platform.system()}"


def _met(value: float, goal: float) -> str:
    return "met" if value <= goal else f"missed by {value / goal - 1:.0%}"


def table(results: dict) -> str:
    program, pack, startup, suite = results["program"], results["policy"], results["startup"], results["suite"]
    ours, floor = pack["packs"]["homelab-ai-gpu"], pack["packs"]["no-op"]
    lines = [
        f"Machine: {results['machine']}; {results['when']}.",
        "",
        "| Measure | homelab-ai | Floor | Ratio | Goal |",
        "|---|---|---|---|---|",
        f"| Program evaluation under mocks (min of {program['runs']} fresh processes) | {program['homelab_s']:.3f} s "
        f"| {program['bare_s']:.3f} s (same SDK modules, one resource) | {program['ratio']:.2f} "
        f"| <= {program['goal_ratio']} ({_met(program['ratio'], program['goal_ratio'])}) |",
    ]
    for row, base, ratio in zip(ours, floor, pack["ratios"], strict=True):
        lines.append(
            f"| Policy pack, {row['size']:,} resources (Analyze each + AnalyzeStack, min of {pack['repeats']}) "
            f"| {row['total_s']:.2f} s, {row['resources_per_s']:,.0f} res/s | {base['total_s']:.2f} s, "
            f"{base['resources_per_s']:,.0f} res/s (no-op policies) | {ratio:.2f} "
            f"| <= {pack['goal_ratio']} ({_met(ratio, pack['goal_ratio'])}) |"
        )
    per = pack["ms_per_resource"]["homelab-ai-gpu"]
    lines += [
        f"| Policy pack growth: ms per resource at {' / '.join(f'{s:,}' for s in pack['sizes'])} "
        f"| {' / '.join(f'{v:.3f}' for v in per)} (slope {pack['slope_ms_per_resource']['homelab-ai-gpu']:.3f} ms) "
        f"| {' / '.join(f'{v:.3f}' for v in pack['ms_per_resource']['no-op'])} "
        f"(slope {pack['slope_ms_per_resource']['no-op']:.3f} ms) | | linear |",
        f"| Policy pack start-up, process start to port served (min of {startup['runs']}) | {startup['min_s']:.3f} s "
        f"| | | < {startup['goal_s']} s ({_met(startup['min_s'], startup['goal_s'])}) |",
        f"| Whole test suite, `python -m pytest` ({suite['summary']}) | {suite['wall_s']:.1f} s | | "
        f"| < {suite['goal_s']:.0f} s ({_met(suite['wall_s'], suite['goal_s'])}) |",
    ]
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smaller stacks and fewer runs, for a first look")
    args = parser.parse_args()
    sizes, repeats, runs = ((100, 1000), 1, 3) if args.quick else ((100, 1000, 10000), 3, 7)

    results = {
        "machine": machine(),
        "when": datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "program": program_evaluation.measure(runs),
        "startup": policy_throughput.startup(runs),
        "policy": policy_throughput.measure(sizes, repeats),
        "suite": suite_time.measure(),
    }
    markdown = table(results)
    out = HERE / "results"
    out.mkdir(exist_ok=True)
    (out / "latest.json").write_text(json.dumps(results, indent=2) + "\n")
    (out / "latest.md").write_text(markdown + "\n")
    print(markdown)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
