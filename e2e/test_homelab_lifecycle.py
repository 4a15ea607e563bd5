"""The homelab stack through the real CLI, engine and Kubernetes provider, on one control plane, in order:
the first `up`, no perpetual diff, the
card handed to one app and back with the README's own commands, and `destroy`."""

from __future__ import annotations

import json
from typing import Any

import pytest
from cluster import GPU_NODE, Cluster
from workspace import Workspace

from offline_preview.capture import run_program
from stack_config.stack_files import stack_file_config

STACK = "homelab"
CACHES = [("ollama", "ollama-models"), ("comfyui", "comfyui-data")]


@pytest.fixture(scope="module")
def stack(workspace: Workspace) -> Workspace:
    workspace.new_stack(STACK)
    return workspace


def cache_uids(cluster: Cluster) -> dict[str, str]:
    uids = {f"pvc/{ns}/{claim}": cluster.uid("pvc", claim, ns) for ns, claim in CACHES}
    uids.update({f"namespace/{ns}": cluster.uid("namespace", ns) for ns, _ in CACHES})
    return uids


def pods(cluster: Cluster, namespace: str) -> list[dict[str, Any]]:
    return [p for p in cluster.get("pods", namespace=namespace) if not p["metadata"].get("deletionTimestamp")]


def test_up_completes_once_the_gateway_accepts_with_gpu_pods_on_the_gpu_node_and_the_readmes_outputs(
        stack: Workspace, cluster: Cluster):
    run = stack.pulumi("up", "--yes", "--skip-preview", "--stack", STACK, timeout=600)
    assert run.ok, run.output[-4000:]
    for namespace in ("ollama", "comfyui"):
        gpu_pods = [p for p in pods(cluster, namespace)
                    if any("nvidia.com/gpu" in c.get("resources", {}).get("limits", {}) for c in p["spec"]["containers"])]
        assert gpu_pods, namespace
        assert {p["spec"].get("nodeName") for p in gpu_pods} == {GPU_NODE}
        assert {p["status"]["phase"] for p in gpu_pods} == {"Running"}
    (job,) = cluster.get("jobs", namespace="ollama")
    assert any(c["type"] == "Complete" and c["status"] == "True" for c in job["status"]["conditions"])
    # The outputs the mocks capture for the same stack, which tests/test_homelab_stack.py pins.
    outputs = stack.outputs(STACK)
    assert outputs == run_program(stack_file_config("homelab")).outputs
    assert outputs["gpuHolders"] == ["ollama", "comfyui"] and outputs["gpuCapacity"] == 2


def test_a_preview_right_after_up_has_no_changes(stack: Workspace):
    run = stack.pulumi("preview", "--expect-no-changes", "--stack", STACK)
    assert run.ok, run.output[-4000:]


def test_the_card_goes_to_comfyui_alone_and_back_with_the_readmes_commands_and_the_caches_stay(
        stack: Workspace, cluster: Cluster):
    before = cache_uids(cluster)
    for command in (["config", "set", "--path", "gpu.sharing.strategy", "exclusive"],
                    ["config", "rm", "--path", "gpu.sharing.replicas"],
                    ["config", "set", "--path", "ollama.enabled", "false"]):
        stack.pulumi(*command, "--stack", STACK, check=True)
    stack.policy_config(STACK)
    cluster.set_gpu_capacity(1)
    run = stack.pulumi("up", "--yes", "--stack", STACK, timeout=600)
    assert run.ok, run.output[-4000:]
    assert pods(cluster, "ollama") == []
    assert [p["spec"]["nodeName"] for p in pods(cluster, "comfyui")] == [GPU_NODE]
    assert cache_uids(cluster) == before

    stack.pulumi("config", "set", "--path", "comfyui.enabled", "false", "--stack", STACK, check=True)
    stack.pulumi("config", "set", "--path", "ollama.enabled", "true", "--stack", STACK, check=True)
    run = stack.pulumi("up", "--yes", "--stack", STACK, timeout=600)
    assert run.ok, run.output[-4000:]
    assert pods(cluster, "comfyui") == []
    assert GPU_NODE in [p["spec"].get("nodeName") for p in pods(cluster, "ollama")]
    assert cache_uids(cluster) == before
    assert json.loads(stack.pulumi("stack", "output", "gpuHolders", "--json", "--stack", STACK, check=True).output) == ["ollama"]


def test_a_plain_destroy_fails_and_deletes_nothing_protected(stack: Workspace, cluster: Cluster):
    before = cache_uids(cluster)
    run = stack.pulumi("destroy", "--yes", "--skip-preview", "--stack", STACK, timeout=600)
    assert not run.ok
    assert "protected" in run.output
    assert cache_uids(cluster) == before


def test_destroy_exclude_protected_leaves_both_caches_and_their_namespaces(stack: Workspace, cluster: Cluster):
    before = cache_uids(cluster)
    run = stack.pulumi("destroy", "--yes", "--skip-preview", "--exclude-protected", "--stack", STACK, timeout=600)
    assert run.ok, run.output[-4000:]
    assert cache_uids(cluster) == before
    assert [p for ns, _ in CACHES for p in pods(cluster, ns)] == []
    assert not cluster.exists("namespace", "nvidia-device-plugin") or \
        cluster.get("namespace", "nvidia-device-plugin")["metadata"].get("deletionTimestamp")
