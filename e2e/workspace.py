"""The real Pulumi CLI on a copy of the project, with a local backend, as a user runs it.

The copy holds the project's files as a clone has them and a `venv` link to the virtualenv these
tests run in: `Pulumi.yaml` and `policies/PulumiPolicy.yaml` name `venv` and `../venv`, as after
`pulumi install`. State, plugins and secrets stay in the tier's own folder.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Mapping

import yaml
from tree_edits import changed_config

PROJECT_DIR = Path(__file__).resolve().parent.parent
IGNORED = shutil.ignore_patterns(".git", "venv", ".venv", "__pycache__", ".pytest_cache", ".mypy_cache", ".ruff_cache",
                                 ".hypothesis", "e2e", "bench", "Pulumi.*.yaml")
PASSPHRASE = "homelab-ai e2e"
# The repository keys of the five third-party charts, which the tier points at its own.
CHART_REPOSITORIES = ("ollama.chart.repository", "gpu.devicePlugin.repository", "gpu.gpuOperator.repository",
                      "gpu.metrics.dcgmExporter.repository", "openwebui.chart.repository")


@dataclass
class Run:
    args: list[str]
    returncode: int
    output: str

    @property
    def ok(self) -> bool:
        return self.returncode == 0


class Workspace:
    def __init__(self, root: Path, bin_dir: Path, kubeconfig: Path, chart_repository: str, provider_version: str):
        self.root = root
        self.project = root / "project"
        shutil.copytree(PROJECT_DIR, self.project, ignore=IGNORED)
        (self.project / "venv").symlink_to(Path(sys.prefix))
        (root / "state").mkdir(exist_ok=True)
        self.chart_repository = chart_repository
        self.env = {
            **os.environ,
            "PATH": f"{bin_dir}{os.pathsep}{Path(sys.prefix) / 'bin'}{os.pathsep}{os.environ['PATH']}",
            "PULUMI_HOME": str(root / "pulumi-home"),
            "PULUMI_BACKEND_URL": f"file://{root / 'state'}",
            "PULUMI_CONFIG_PASSPHRASE": PASSPHRASE,
            "PULUMI_SKIP_UPDATE_CHECK": "true",
            "PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION": "true",
            "PULUMI_SKIP_CONFIRMATIONS": "true",
            "KUBECONFIG": str(kubeconfig),
            "NO_COLOR": "1",
        }
        for variable in ("PULUMI_ACCESS_TOKEN", "VIRTUAL_ENV"):
            self.env.pop(variable, None)
        self.pulumi("plugin", "install", "resource", "kubernetes", provider_version,
                    "--file", str(bin_dir / "pulumi-resource-kubernetes"), check=True)

    def run(self, *args: str, check: bool = False, timeout: float = 900) -> Run:
        result = subprocess.run(list(args), cwd=self.project, env=self.env, capture_output=True, text=True, timeout=timeout)
        run = Run(list(args), result.returncode, result.stdout + result.stderr)
        if check and not run.ok:
            raise AssertionError(f"{' '.join(args)} exited {run.returncode}:\n{run.output}")
        return run

    def pulumi(self, *args: str, check: bool = False, timeout: float = 900) -> Run:
        return self.run("pulumi", *args, "--color=never", check=check, timeout=timeout)

    def python(self, *args: str, check: bool = False) -> Run:
        return self.run(sys.executable, *args, check=check)

    def stack_config(self, changes: Mapping[str, Any] = {}) -> dict[str, Any]:
        """The homelab's stack config with its charts served by the tier, then ``changes`` (dotted keys)."""
        config = yaml.safe_load((PROJECT_DIR / "Pulumi.homelab.yaml").read_text())["config"]
        return changed_config(config, {**{key: self.chart_repository for key in CHART_REPOSITORIES}, **changes})

    def new_stack(self, name: str, changes: Mapping[str, Any] = {}) -> str:
        """`pulumi stack init`, then the stack file: the homelab's config with ``changes``."""
        self.pulumi("stack", "init", name, check=True)
        self.write_stack(name, self.stack_config(changes))
        return name

    def write_stack(self, name: str, config: dict[str, Any]) -> None:
        path = self.project / f"Pulumi.{name}.yaml"
        existing = yaml.safe_load(path.read_text()) if path.exists() else {}
        path.write_text(yaml.safe_dump({**(existing or {}), "config": config}, sort_keys=False))

    def policy_config(self, stack: str) -> Path:
        out = self.root / f"policy-config-{stack}.json"
        self.python("-m", "policy_pack_config", stack, "--output", str(out), check=True)
        return out

    def outputs(self, stack: str) -> dict[str, Any]:
        return json.loads(self.pulumi("stack", "output", "--stack", stack, "--json", check=True).output)
