"""A deployed stack's outputs, as the Pulumi CLI reports them."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

PROJECT_DIR = Path(__file__).resolve().parent.parent

# The outputs __main__.py exports for each app: the external URL (absent when exposure.kind is
# none) and the in-cluster Service URL.
APP_URL_OUTPUTS = {
    "ollama": ("ollamaUrl", "ollamaInternalUrl"),
    "comfyui": ("comfyuiUrl", "comfyuiInternalUrl"),
    "openwebui": ("openwebuiUrl", "openwebuiInternalUrl"),
}
RUNTIME_CLASS_OUTPUT = "gpuRuntimeClass"
# Under a VRAM plan: {"memory": bytes, "slack": bytes, "budgets": {app: bytes}}.
VRAM_PLAN_OUTPUT = "vramPlan"


class StackOutputsError(Exception):
    pass


def stack_output_command(stack: str) -> list[str]:
    return ["pulumi", "stack", "output", "--json", "--stack", stack]


def _cli_output(command: list[str], project_dir: Path, timeout: float, missing_cli_hint: str) -> str:
    """What a `pulumi` command prints, run in the project so the CLI finds Pulumi.yaml."""
    shown = " ".join(command)
    try:
        completed = subprocess.run(
            command, cwd=project_dir, capture_output=True, text=True, timeout=timeout, check=False
        )
    except FileNotFoundError:
        raise StackOutputsError(f"cannot run `{shown}`: the pulumi CLI is not on PATH{missing_cli_hint}") from None
    except subprocess.TimeoutExpired:
        raise StackOutputsError(f"`{shown}` did not finish within {timeout:g} s") from None
    if completed.returncode != 0:
        raise StackOutputsError(f"`{shown}` failed (exit {completed.returncode}): {completed.stderr.strip()}")
    return completed.stdout


def read_stack_outputs(stack: str, project_dir: Path = PROJECT_DIR, timeout: float = 120) -> dict[str, Any]:
    """`pulumi stack output --json --stack <stack>`."""
    command = stack_output_command(stack)
    shown = " ".join(command)
    stdout = _cli_output(command, project_dir, timeout, "; pass --ollama-url and --comfyui-url instead")
    try:
        outputs = json.loads(stdout)
    except ValueError:
        raise StackOutputsError(f"`{shown}` printed no JSON: {stdout.strip()[:200]!r}") from None
    if not isinstance(outputs, dict):
        raise StackOutputsError(f"`{shown}` printed {type(outputs).__name__}, not an object of outputs")
    return outputs


def stack_config_command(stack: str, key: str) -> list[str]:
    return ["pulumi", "config", "get", "--path", key, "--stack", stack]


def read_stack_config_value(stack: str, key: str, project_dir: Path = PROJECT_DIR, timeout: float = 120) -> str:
    """`pulumi config get --path <key>`: a stack secret comes back decrypted, as the CLI shows it to its user."""
    command = stack_config_command(stack, key)
    value = _cli_output(command, project_dir, timeout, "").rstrip("\n")
    if not value:
        raise StackOutputsError(f"`{' '.join(command)}` printed nothing: the stack does not set {key}")
    return value
