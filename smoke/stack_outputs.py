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
}
RUNTIME_CLASS_OUTPUT = "gpuRuntimeClass"


class StackOutputsError(Exception):
    pass


def stack_output_command(stack: str) -> list[str]:
    return ["pulumi", "stack", "output", "--json", "--stack", stack]


def read_stack_outputs(stack: str, project_dir: Path = PROJECT_DIR, timeout: float = 120) -> dict[str, Any]:
    """`pulumi stack output --json --stack <stack>`, run in the project so the CLI finds Pulumi.yaml."""
    command = stack_output_command(stack)
    shown = " ".join(command)
    try:
        completed = subprocess.run(
            command, cwd=project_dir, capture_output=True, text=True, timeout=timeout, check=False
        )
    except FileNotFoundError:
        raise StackOutputsError(
            f"cannot run `{shown}`: the pulumi CLI is not on PATH; pass --ollama-url and --comfyui-url instead"
        ) from None
    except subprocess.TimeoutExpired:
        raise StackOutputsError(f"`{shown}` did not finish within {timeout:g} s") from None
    if completed.returncode != 0:
        raise StackOutputsError(f"`{shown}` failed (exit {completed.returncode}): {completed.stderr.strip()}")
    try:
        outputs = json.loads(completed.stdout)
    except ValueError:
        raise StackOutputsError(f"`{shown}` printed no JSON: {completed.stdout.strip()[:200]!r}") from None
    if not isinstance(outputs, dict):
        raise StackOutputsError(f"`{shown}` printed {type(outputs).__name__}, not an object of outputs")
    return outputs
