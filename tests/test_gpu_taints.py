"""A tainted GPU node: every GPU DaemonSet of the plumbing and every GPU app tolerates what the node carries."""

from __future__ import annotations

import pytest
from chart_tolerations import DAEMONSET_TOLERATIONS, ollama_pod_tolerations, rendered_tolerations, tolerates
from registrations import named, of_type

from offline_preview.capture import Capture

DEDICATED = {"gpu.taints": [{"key": "dedicated", "value": "ai", "effect": "NoSchedule"}]}
# How GPU nodes are tainted: the GPU resource with no value, NVIDIA's `present`, anything else.
GPU_TAINTS = [{"key": "nvidia.com/gpu", "effect": "NoSchedule"},
              {"key": "nvidia.com/gpu", "value": "present", "effect": "NoSchedule"},
              {"key": "nvidia.com/gpu", "value": "true", "effect": "NoSchedule"}]
OPERATOR = {"gpu.plugin": "gpu-operator", "gpu.gpuOperator.version": "v25.10.1"}
METRICS = {"gpu.metrics.enabled": True}
RELEASE_TYPE = "kubernetes:helm.sh/v3:Release"


def _gpu_pods(capture: Capture) -> dict[str, list[dict[str, str]]]:
    pods = {"ollama": ollama_pod_tolerations(named(capture, "ollama-release").inputs["values"]),
            "comfyui": named(capture, "comfyui-deployment").inputs["spec"]["template"]["spec"]["tolerations"]}
    job = [r for r in capture.registrations if r.name == "ollama-model-pull"]
    if job:
        pods["model-pull"] = job[0].inputs["spec"]["template"]["spec"]["tolerations"]
    return pods


def _daemonsets(capture: Capture) -> dict[str, list[dict[str, str]]]:
    found = {}
    for release in of_type(capture, RELEASE_TYPE):
        key = (release.inputs["chart"], release.inputs["version"])
        if key in DAEMONSET_TOLERATIONS:
            for daemonset, tolerations in rendered_tolerations(*key, release.inputs["values"]).items():
                found[f"{key[0]}/{daemonset}"] = tolerations
    return found


@pytest.mark.parametrize("changes", [{}, METRICS, {**OPERATOR, **METRICS}], ids=["device-plugin", "with-exporter", "gpu-operator"])
@pytest.mark.parametrize("taint", GPU_TAINTS, ids=["no-value", "present", "other-value"])
def test_a_gpu_node_tainted_on_its_resource_with_any_value_runs_every_gpu_daemonset_and_app(run_with, changes, taint):
    capture = run_with(changes)
    assert capture.error is None, capture.error
    workloads = {**_daemonsets(capture), **_gpu_pods(capture)}
    assert len(workloads) >= 4
    assert [name for name, tolerations in workloads.items() if not tolerates(tolerations, taint)] == []


@pytest.mark.parametrize("changes", [{}, METRICS, {**OPERATOR, **METRICS}], ids=["device-plugin", "with-exporter", "gpu-operator"])
def test_a_gpu_node_tainted_dedicated_ai_runs_every_gpu_daemonset_and_app_once_the_stack_names_the_taint(run_with, changes):
    taint = {"key": "dedicated", "value": "ai", "effect": "NoSchedule"}
    untold = run_with(changes)
    assert [name for name, t in {**_daemonsets(untold), **_gpu_pods(untold)}.items() if tolerates(t, taint)] == []
    told = run_with({**changes, **DEDICATED})
    assert told.error is None, told.error
    workloads = {**_daemonsets(told), **_gpu_pods(told)}
    assert [name for name, tolerations in workloads.items() if not tolerates(tolerations, taint)] == []
    # Another value of the same key is still refused: the toleration is the taint the stack names.
    assert not tolerates(workloads["comfyui"], {**taint, "value": "batch"})


def test_the_device_plugin_charts_nfd_worker_alone_would_miss_a_taint_without_its_value(homelab: Capture):
    """Why the program writes nfd.worker.tolerations: the chart's own list keeps NFD off such a node."""
    (_, default) = DAEMONSET_TOLERATIONS[("nvidia-device-plugin", "0.17.4")]["node-feature-discovery-worker"]
    assert not tolerates(default, GPU_TAINTS[0])
    release = named(homelab, "gpu-device-plugin").inputs
    assert tolerates(rendered_tolerations("nvidia-device-plugin", "0.17.4", release["values"])["node-feature-discovery-worker"],
                     GPU_TAINTS[0])
