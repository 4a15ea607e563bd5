"""The value paths a pinned chart version accepts, read from tests/chart_values/<chart>-<version>.paths.

Helm silently ignores value keys a chart does not have: a `persistence` key (the chart reads
`persistentVolume`) would leave Ollama without a cache. Checking every key the program sets
against the chart's own values.yaml paths turns that silence into a failing test.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

CHART_VALUES_DIR = Path(__file__).resolve().parent / "chart_values"


def known_paths(chart: str, version: str) -> tuple[set[str], set[str]]:
    """(leaf paths, free-form container paths) of one chart version."""
    leaves: set[str] = set()
    free_form: set[str] = set()
    for line in (CHART_VALUES_DIR / f"{chart}-{version}.paths").read_text().splitlines():
        if not line or line.startswith("#"):
            continue
        path, _, marker = line.partition(" ")
        (free_form if marker else leaves).add(path)
    return leaves, free_form


def value_at(values: Any, path: str, default: Any = None) -> Any:
    """The value at a dotted path of a values tree, or ``default`` where the tree has none."""
    node = values
    for part in path.split("."):
        if not isinstance(node, dict) or part not in node:
            return default
        node = node[part]
    return node


def value_paths(values: Any, prefix: str = "") -> list[str]:
    if isinstance(values, dict) and values:
        return [p for key, item in values.items() for p in value_paths(item, f"{prefix}.{key}" if prefix else key)]
    return [prefix]


def paths_unknown_to_chart(values: dict[str, Any], chart: str, version: str) -> list[str]:
    leaves, free_form = known_paths(chart, version)
    unknown = []
    for path in value_paths(values):
        parts = path.split(".")
        prefixes = {".".join(parts[:i]) for i in range(1, len(parts) + 1)}
        if path not in leaves and not prefixes & free_form:
            unknown.append(path)
    return unknown
