"""Writes a stack's `--policy-pack-config` file from the stack's own config.

    venv/bin/python -m policy_pack_config homelab --output policy-config.json
    pulumi preview --stack homelab --policy-pack policies --policy-pack-config policy-config.json

The pack's capacity policy then knows the GPUs and time-slices this stack gives the cluster,
and every GPU policy knows its runtime class, GPU resource and node labels. With `--output` the
file is replaced only once the whole configuration is written; a failure leaves it as it was.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
from pathlib import Path
from typing import Any

from gpu_policies import names
from stack_config import ConfigError, StackConfig
from stack_config.platforms import PLUGIN_NODE_LABELS
from stack_config.stack_files import PROJECT_DIR, read_stack_file


def policy_pack_config(config: StackConfig) -> dict[str, Any]:
    """Every option the stack decides, for every policy whose schema declares it (names.POLICY_OPTIONS)."""
    decided: dict[str, Any] = {
        names.GPU_RESOURCE_NAMES: [config.gpu.resource_name],
        # Without a class of its own, a CDI stack's pods may still name the one the GPU Operator
        # creates (assets/pre-requisites/0200_runtime_class.yaml, `nvidia` unless operator.runtimeClass).
        names.ALLOWED_RUNTIME_CLASSES: [config.gpu.runtime_class or "nvidia"],
        names.CDI_INJECTION: config.gpu.cdi,
        # What the stack selects, and what its GPU plumbing writes on every GPU node.
        names.GPU_NODE_LABELS: sorted({*config.gpu.node_selector, *PLUGIN_NODE_LABELS[config.gpu.plugin]}),
        names.GPUS: config.gpu.count,
        names.REPLICAS_PER_GPU: config.gpu.slices_per_gpu,
        names.VRAM_SLACK: config.gpu.vram_slack_bytes,
        **({} if config.gpu.memory_bytes is None else {names.GPU_MEMORY: config.gpu.memory_bytes}),
    }
    written = {
        policy: {key: decided[key] for key in keys if key in decided}
        for policy, keys in names.POLICY_OPTIONS.items()
    }
    return {policy: options for policy, options in written.items() if options}


def write_atomically(path: Path, text: str) -> None:
    """Replaces ``path`` with ``text`` in one rename, so a reader never sees half a file."""
    with tempfile.NamedTemporaryFile("w", dir=path.resolve().parent, prefix=f".{path.name}.", delete=False) as temp:
        temp.write(text)
    os.replace(temp.name, path)


def main(argv: list[str], project_dir: Path = PROJECT_DIR) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m policy_pack_config", description="Writes the policy pack config of a stack from Pulumi.<stack>.yaml."
    )
    parser.add_argument("stack")
    parser.add_argument("--output", type=Path, metavar="FILE", help="write FILE (only on success) instead of stdout")
    args = parser.parse_args(argv)
    try:
        config = read_stack_file(args.stack, project_dir)
    except (OSError, ConfigError) as error:
        print(f"policy_pack_config: {error}", file=sys.stderr)
        return 1
    text = json.dumps(policy_pack_config(config), indent=2, sort_keys=True) + "\n"
    if args.output is None:
        sys.stdout.write(text)
    else:
        write_atomically(args.output, text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
