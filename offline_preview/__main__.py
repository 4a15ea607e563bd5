"""python -m offline_preview <stack> [--policy-pack-config FILE] [--stack-dir DIR]

Exits 0 when no mandatory policy is violated, 1 on a mandatory violation or a program error,
2 on a command line or policy pack config the CLI would refuse.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from policy_pack_config import policy_pack_config
from stack_config import PROJECT, ConfigError
from stack_config.stack_files import PROJECT_DIR, parse_stack_file_config, stack_file_config

from .capture import run_program
from .engine import PolicyConfigError, PolicyEngine, read_policy_pack_config
from .preview import has_mandatory, run_pack


def _arguments(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m offline_preview",
        description="Run the program under mocks with a stack's config and the policy pack over its Analyzer "
        "protocol, as `pulumi preview --policy-pack policies` does, without a backend or a cluster.",
    )
    parser.add_argument("stack", help="the stack whose Pulumi.<stack>.yaml gives the config")
    parser.add_argument(
        "--policy-pack-config", type=Path, metavar="FILE",
        help="the pack's config, as for `pulumi preview --policy-pack-config`; "
        "without it, what `python -m policy_pack_config <stack>` writes",
    )
    parser.add_argument(
        "--stack-dir", type=Path, default=PROJECT_DIR, metavar="DIR",
        help="the directory holding Pulumi.<stack>.yaml (default: the project's)",
    )
    return parser.parse_args(argv)


def _program_error(stack: str, error: BaseException) -> str:
    return f"Diagnostics:\n  pulumi:pulumi:Stack ({PROJECT}-{stack}):\n    error: {error}\n"


def main(argv: list[str]) -> int:
    args = _arguments(argv)
    try:
        config = stack_file_config(args.stack, args.stack_dir)
    except OSError as error:
        print(f"offline_preview: {error}", file=sys.stderr)
        return 2
    capture = run_program(config, stack=args.stack)
    if capture.error is not None:
        sys.stdout.write(_program_error(args.stack, capture.error))
        return 1
    pack_config: dict[str, Any]
    try:
        pack_config = (
            read_policy_pack_config(args.policy_pack_config)
            if args.policy_pack_config
            else policy_pack_config(parse_stack_file_config(config))
        )
    except (OSError, PolicyConfigError, ConfigError) as error:
        print(f"offline_preview: {error}", file=sys.stderr)
        return 2
    with PolicyEngine() as engine:
        try:
            report, violations = run_pack(engine, capture, pack_config, PROJECT, args.stack)
        except PolicyConfigError as error:
            print(f"error: {error}", file=sys.stderr)
            return 2
    sys.stdout.write(report)
    return 1 if has_mandatory(violations) else 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
