"""Writes the policy table of docs/policies.md from the pack's own policies.

    python -m gpu_policies.reference docs/policies.md           # rewrite the table in place
    python -m gpu_policies.reference docs/policies.md --check   # exit 1 if the table is not what the pack gives

The table sits between BEGIN and END; the prose around it is the file's own.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from pulumi_policy import EnforcementLevel, Policy, StackValidationPolicy

from .pack import POLICIES

BEGIN = "<!-- policy table: generated from the pack by `python -m gpu_policies.reference docs/policies.md`; do not edit -->"
END = "<!-- end of policy table -->"


def _level(policy: Policy) -> str:
    level = policy.enforcement_level
    return level.value if isinstance(level, EnforcementLevel) else str(level)


def _options(properties: dict[str, Any]) -> str:
    return "<br>".join(f"`{key}`: `{json.dumps(schema['default'])}`" for key, schema in properties.items())


def render() -> str:
    rows = "".join(
        f"| `{policy.name}` | {'stack' if isinstance(policy, StackValidationPolicy) else 'resource'} | {_level(policy)} "
        f"| {policy.severity.value if policy.severity else ''} "
        f"| {_options(policy.config_schema.properties if policy.config_schema else {})} | {policy.description} |\n"
        for policy in POLICIES
    )
    return (f"{BEGIN}\n| Policy | Sees | Default | Severity | Options (default) | What it requires, and why |\n"
            f"|---|---|---|---|---|---|\n{rows}{END}")


def with_table(text: str) -> str:
    """``text`` with the part from BEGIN to END replaced by the current table."""
    start, end = text.index(BEGIN), text.index(END) + len(END)
    return text[:start] + render() + text[end:]


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m gpu_policies.reference", description=__doc__.splitlines()[0])
    parser.add_argument("path", type=Path, help="the Markdown file holding the table")
    parser.add_argument("--check", action="store_true", help="only check that the table is current")
    args = parser.parse_args(argv)
    text = args.path.read_text()
    current = with_table(text)
    if args.check:
        if current != text:
            print(f"{args.path.name}'s policy table is stale: run python -m gpu_policies.reference {args.path}", file=sys.stderr)
            return 1
        return 0
    args.path.write_text(current)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
