"""The tier's session: the toolchain's binaries, one kwok control plane, the stand-in chart
repository, and a copy of the project the real `pulumi` runs in."""

from __future__ import annotations

import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from chart_repo import ChartRepository
from cluster import Cluster
from workspace import Workspace

TOOLCHAIN = Path(__file__).resolve().parent / "toolchain"
# The apps' claims, for which the harness pre-makes volumes as Longhorn would provision them.
CLAIMS = [("ollama", "ollama-models"), ("comfyui", "comfyui-data")]


def toolchain(command: str) -> str:
    return subprocess.run([sys.executable, str(TOOLCHAIN), command], check=True, capture_output=True, text=True).stdout.strip()


@pytest.fixture(scope="session")
def bin_dir() -> Path:
    """The binaries `e2e/toolchain build` left in its cache; the tier fails when they are missing."""
    return Path(toolchain("bin"))


@pytest.fixture(scope="session")
def workdir() -> Iterator[Path]:
    with tempfile.TemporaryDirectory(prefix="homelab-ai-e2e-") as folder:
        yield Path(folder)


@pytest.fixture(scope="session")
def cluster(bin_dir: Path, workdir: Path) -> Iterator[Cluster]:
    cluster = Cluster(bin_dir, workdir)
    cluster.start()
    try:
        cluster.add_nodes(gpu_capacity=2)
        cluster.add_storage(CLAIMS)
        cluster.play_gateway_controller()
        yield cluster
    finally:
        cluster.stop()


@pytest.fixture(scope="session")
def charts(workdir: Path) -> Iterator[ChartRepository]:
    with ChartRepository(workdir) as repository:
        yield repository


@pytest.fixture(scope="session")
def workspace(workdir: Path, bin_dir: Path, cluster: Cluster, charts: ChartRepository) -> Workspace:
    version = toolchain("constraints").split("pulumi-kubernetes==")[1].split()[0]
    return Workspace(workdir / "ws", bin_dir, cluster.kubeconfig, charts.url, version)
