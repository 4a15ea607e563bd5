"""`python -m offline_preview` as CI runs it, over the homelab's stack file or a user's changed copy of it."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import yaml
from tree_edits import changed_config

from stack_config.stack_files import PROJECT_DIR


def offline_preview(*args: str) -> subprocess.CompletedProcess[str]:
    """The command as CI runs it, in its own process."""
    return subprocess.run([sys.executable, "-m", "offline_preview", *args], cwd=PROJECT_DIR,
                          capture_output=True, text=True, timeout=120, check=False)


def stack_copy(tmp_path: Path, homelab_config: dict, changes: dict) -> Path:
    """A project directory holding Pulumi.homelab.yaml with ``changes``, as a user's own stack file."""
    (tmp_path / "Pulumi.homelab.yaml").write_text(yaml.safe_dump({"config": changed_config(homelab_config, changes)}))
    return tmp_path
