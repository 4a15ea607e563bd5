"""A talos-1.13 stack through the real engine: the GPU Operator's stand-in instead of the device plugin,
and GPU pods that name no runtime class (CDI injects the GPU under the default runtime). It runs in
namespaces of its own beside what the homelab stack's destroy left behind."""

from __future__ import annotations

import json
from typing import Any

import pytest
from cluster import GPU_NODE, Cluster
from workspace import Workspace

STACK = "talos-1-13"
NAMESPACES = {"ollama": "ollama-cdi", "comfyui": "comfyui-cdi"}
CLAIMS = [(NAMESPACES["ollama"], "ollama-models"), (NAMESPACES["comfyui"], "comfyui-data")]
# The homelab's gpu section names its talos-1.12 plumbing; empty keys take the platform's.
TALOS_1_13 = {"gpu.platform": "talos-1.13", "gpu.driver": "", "gpu.plugin": "", "gpu.namespace": "", "gpu.runtimeClass": "",
              "ollama.namespace": NAMESPACES["ollama"], "comfyui.namespace": NAMESPACES["comfyui"]}


@pytest.fixture(scope="module")
def stack(workspace: Workspace, cluster: Cluster) -> Workspace:
    cluster.add_storage(CLAIMS)
    cluster.set_gpu_capacity(2)
    workspace.new_stack(STACK, TALOS_1_13)
    return workspace


def gpu_pods(cluster: Cluster, namespace: str) -> list[dict[str, Any]]:
    return [p for p in cluster.get("pods", namespace=namespace)
            if not p["metadata"].get("deletionTimestamp")
            and any("nvidia.com/gpu" in c.get("resources", {}).get("limits", {}) for c in p["spec"]["containers"])]


def test_a_talos_1_13_stack_comes_up_on_the_operator_with_gpu_pods_that_name_no_runtime_class(stack: Workspace, cluster: Cluster):
    run = stack.pulumi("up", "--yes", "--skip-preview", "--stack", STACK, timeout=600)
    assert run.ok, run.output[-4000:]
    assert cluster.exists("deployment", "gpu-operator", "gpu-operator")
    assert not cluster.exists("namespace", "nvidia-device-plugin") or \
        cluster.get("namespace", "nvidia-device-plugin")["metadata"].get("deletionTimestamp")
    for namespace in NAMESPACES.values():
        pods = gpu_pods(cluster, namespace)
        assert pods, namespace
        assert {p["spec"].get("nodeName") for p in pods} == {GPU_NODE}
        assert [p["spec"].get("runtimeClassName") for p in pods] == [None] * len(pods)
        assert {p["status"]["phase"] for p in pods} == {"Running"}
    outputs = stack.outputs(STACK)
    assert "gpuRuntimeClass" not in outputs
    assert outputs["namespaces"] == {"gpu": "gpu-operator", **NAMESPACES}


def test_a_cache_moves_to_another_storage_class_as_data_safety_md_says(stack: Workspace, cluster: Cluster):
    """docs/data-safety.md, "Moving a cache to another storage class": scale to 0, unprotect the claim,
    delete it, set the new class, `up`. (The data copy between volumes needs a real pod: not here.)"""
    namespace, claim = CLAIMS[1]
    kept = cluster.uid("pvc", *CLAIMS[0][::-1])
    moved = cluster.uid("pvc", claim, namespace)
    cluster.add_storage([(namespace, claim)], storage_class="longhorn-ssd")
    stack.pulumi("config", "set", "--path", "comfyui.enabled", "false", "--stack", STACK, check=True)
    stack.pulumi("up", "--yes", "--stack", STACK, check=True, timeout=600)
    stack.pulumi("state", "unprotect", claim_urn(stack), "--yes", "--stack", STACK, check=True)
    cluster.kubectl("delete", "pvc", claim, "-n", namespace, "--wait=true")
    stack.pulumi("config", "set", "--path", "comfyui.storage.storageClass", "longhorn-ssd", "--stack", STACK, check=True)
    stack.pulumi("config", "set", "--path", "comfyui.enabled", "true", "--stack", STACK, check=True)
    run = stack.pulumi("up", "--yes", "--stack", STACK, timeout=600)
    assert run.ok, run.output[-4000:]
    pvc = cluster.get("pvc", claim, namespace)
    assert pvc["spec"]["storageClassName"] == "longhorn-ssd" and pvc["metadata"]["uid"] != moved
    assert cluster.uid("pvc", *CLAIMS[0][::-1]) == kept
    assert [p["spec"]["nodeName"] for p in gpu_pods(cluster, namespace)] == [GPU_NODE]
    # The new claim is the program's again: protected, and no diff is left.
    resources = json.loads(stack.pulumi("stack", "export", "--stack", STACK, check=True).output)["deployment"]["resources"]
    assert next(r for r in resources if r["urn"] == claim_urn(stack)).get("protect") is True
    assert stack.pulumi("preview", "--expect-no-changes", "--stack", STACK).ok


def claim_urn(stack: Workspace) -> str:
    resources = json.loads(stack.pulumi("stack", "export", "--stack", STACK, check=True).output)["deployment"]["resources"]
    return next(r["urn"] for r in resources if r["type"] == "kubernetes:core/v1:PersistentVolumeClaim" and r["urn"].endswith("::comfyui-data"))


def test_it_leaves_with_its_caches(stack: Workspace, cluster: Cluster):
    run = stack.pulumi("destroy", "--yes", "--skip-preview", "--exclude-protected", "--stack", STACK, timeout=600)
    assert run.ok, run.output[-4000:]
    for namespace, claim in CLAIMS:
        assert cluster.exists("pvc", claim, namespace)
