"""Writes a stack's `--policy-pack-config` file from the stack's own config.

    python -m policy_pack_config homelab > policy-config.json
    pulumi preview --stack homelab --policy-pack policies --policy-pack-config policy-config.json

The pack's capacity policy then knows the GPUs and time-slices this stack gives the cluster,
and every GPU policy knows its runtime class, GPU resource and node labels.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import yaml

from components.gpu_node_labels import GPU_NODE_LABELS
from stack_config import PROJECT, SECTIONS, ConfigError, StackConfig, parse_stack_config

PROJECT_DIR = Path(__file__).resolve().parent


def stack_file_config(stack: str, project_dir: Path = PROJECT_DIR) -> dict[str, Any]:
    """The `homelab-ai:*` values of Pulumi.<stack>.yaml, as YAML objects."""
    document = yaml.safe_load((project_dir / f"Pulumi.{stack}.yaml").read_text()) or {}
    return dict(document.get("config") or {})


def parse_stack_file_config(config: dict[str, Any]) -> StackConfig:
    """Validates a stack file's `homelab-ai:*` values as the program does when the CLI hands them over."""
    return parse_stack_config({
        section: json.dumps(config[f"{PROJECT}:{section}"]) for section in SECTIONS if f"{PROJECT}:{section}" in config
    })


def read_stack_file(stack: str, project_dir: Path = PROJECT_DIR) -> StackConfig:
    return parse_stack_file_config(stack_file_config(stack, project_dir))


def policy_pack_config(config: StackConfig) -> dict[str, Any]:
    gpu = {"gpuResourceNames": [config.gpu.resource_name]}
    return {
        "gpu-pods-require-nvidia-runtime-class": {"allowedRuntimeClasses": [config.gpu.runtime_class], **gpu},
        "gpu-deployments-use-recreate-strategy": gpu,
        # What the stack selects, and what its GPU plumbing writes on every GPU node.
        "gpu-pods-pinned-to-gpu-nodes": {
            "gpuNodeLabels": sorted({*config.gpu.node_selector, *GPU_NODE_LABELS[config.gpu.plugin]}), **gpu,
        },
        "gpu-containers-set-memory-limit": gpu,
        "gpu-app-pvcs-protected": gpu,
        "gpu-demand-fits-capacity": {"gpus": config.gpu.count, "replicasPerGpu": config.gpu.slices_per_gpu, **gpu},
    }


def main(argv: list[str], project_dir: Path = PROJECT_DIR) -> int:
    if len(argv) != 1:
        print("usage: python -m policy_pack_config <stack>   (reads Pulumi.<stack>.yaml)", file=sys.stderr)
        return 2
    try:
        config = read_stack_file(argv[0], project_dir)
    except (OSError, ConfigError) as error:
        print(f"policy_pack_config: {error}", file=sys.stderr)
        return 1
    json.dump(policy_pack_config(config), sys.stdout, indent=2, sort_keys=True)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
