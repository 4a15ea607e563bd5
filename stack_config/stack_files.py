"""Reading a stack's config from its files, as the Pulumi CLI hands it to the program.

For the tools that run without the CLI (`policy_pack_config`, `offline_preview`) and the tests:
Pulumi.<stack>.yaml's values over Pulumi.yaml's declared defaults, validated as the program does.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from stack_config.model import StackConfig
from stack_config.reading import parse_stack_config
from stack_config.vocabulary import PROJECT

PROJECT_DIR = Path(__file__).resolve().parent.parent
"""The project: Pulumi.yaml and the stack files."""


def stack_file_config(stack: str, project_dir: Path = PROJECT_DIR) -> dict[str, Any]:
    """The stack's config as the CLI hands it to the program, as YAML objects.

    Pulumi.<stack>.yaml's values (``project_dir`` holds that file), and for each key declared in
    Pulumi.yaml with a default or value that the stack file does not set, that default: the CLI
    merges them before the program runs (mergeConfig, pkg/workspace/config.go in pulumi/pulumi).
    """
    document = yaml.safe_load((project_dir / f"Pulumi.{stack}.yaml").read_text()) or {}
    return {**project_config_defaults(), **(document.get("config") or {})}


def project_config_defaults(project_file: Path = PROJECT_DIR / "Pulumi.yaml") -> dict[str, Any]:
    """Pulumi.yaml's `config:` defaults and values by full key, as the CLI reads them.

    A key without a namespace is the project's; the short form `key: value` is a default
    (RewriteShorthandConfigValues, sdk/go/common/workspace/project.go in pulumi/pulumi).
    """
    project = yaml.safe_load(project_file.read_text())
    merged: dict[str, Any] = {}
    for key, declared in (project.get("config") or {}).items():
        full = key if ":" in key else f"{project['name']}:{key}"
        if not isinstance(declared, dict):
            merged[full] = declared
        elif declared.get("default") is not None or declared.get("value") is not None:
            merged[full] = declared["default"] if declared.get("default") is not None else declared["value"]
    return merged


def parse_stack_file_config(config: dict[str, Any]) -> StackConfig:
    """Validates a stack file's `homelab-ai:*` values as the program does; other namespaces' keys are not ours."""
    return parse_stack_config({key.split(":", 1)[1]: value for key, value in config.items() if key.startswith(f"{PROJECT}:")})


def read_stack_file(stack: str, project_dir: Path = PROJECT_DIR) -> StackConfig:
    return parse_stack_file_config(stack_file_config(stack, project_dir))
