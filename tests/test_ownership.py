"""Resource options the plain mocks drop: parents, protection, and dependencies on the GPU stack."""

from __future__ import annotations

import pytest
from registrations import named, urn_of

from offline_preview.capture import Capture

CLAIMS = ["ollama-models", "comfyui-data"]


@pytest.mark.parametrize("name", CLAIMS)
def test_model_caches_are_protected_and_retained(homelab: Capture, name):
    claim = named(homelab, name)
    assert claim.protect is True
    assert claim.retain_on_delete is True
    assert claim.delete_before_replace is False


def test_nothing_but_the_caches_and_their_namespaces_is_protected(homelab: Capture):
    assert sorted(r.name for r in homelab.registrations if r.protect) == sorted(
        [*CLAIMS, "ollama-namespace", "comfyui-namespace"])


@pytest.mark.parametrize("component, children", [
    ("gpu", ["gpu-namespace", "gpu-runtime-class", "gpu-device-plugin", "gpu-gpu-present-rule"]),
    ("ollama", ["ollama-namespace", "ollama-models", "ollama-release", "ollama-route",
                "ollama-deny-ingress", "ollama-egress", "ollama-allow-gateway",
                "ollama-allow-app-port", "ollama-model-pull-egress", "ollama-model-pull"]),
    ("comfyui", ["comfyui-namespace", "comfyui-data", "comfyui-deployment", "comfyui-service", "comfyui-route",
                 "comfyui-deny-ingress", "comfyui-egress", "comfyui-allow-gateway"]),
])
def test_children_are_named_from_and_parented_to_their_component(homelab: Capture, component, children):
    component_urn = urn_of(homelab, component)
    assert sorted(r.name for r in homelab.registrations if r.parent == component_urn) == sorted(children)


@pytest.mark.parametrize("workload", ["ollama-release", "comfyui-deployment"])
def test_gpu_workloads_wait_for_the_gpu_plumbing(homelab: Capture, workload):
    dependencies = set(named(homelab, workload).dependencies)
    for plumbing in ("gpu-runtime-class", "gpu-device-plugin"):
        assert urn_of(homelab, plumbing) in dependencies


def test_device_plugin_waits_for_its_runtime_class(homelab: Capture):
    assert urn_of(homelab, "gpu-runtime-class") in named(homelab, "gpu-device-plugin").dependencies


@pytest.mark.parametrize("workload, runtime_class_path", [
    ("ollama-release", ("values", "runtimeClassName")),
    ("comfyui-deployment", ("spec", "template", "spec", "runtimeClassName")),
])
def test_runtime_class_is_taken_from_the_gpu_stack(homelab: Capture, workload, runtime_class_path):
    """The apps read the RuntimeClass's own name output: a renamed class reaches them."""
    registration = named(homelab, workload)
    top = runtime_class_path[0]
    assert urn_of(homelab, "gpu-runtime-class") in registration.request.propertyDependencies[top].urns


def test_renamed_runtime_class_and_resource_reach_both_apps(run_with):
    capture = run_with({"gpu.runtimeClass": "nvidia-cdi", "gpu.resourceName": "nvidia.com/gpu.shared",
                        "gpu.nodeSelector": {"gpu": "rtx-5070-ti"}})
    assert capture.error is None
    assert named(capture, "gpu-runtime-class").inputs["metadata"]["name"] == "nvidia-cdi"
    values = named(capture, "ollama-release").inputs["values"]
    assert values["runtimeClassName"] == "nvidia-cdi"
    assert values["ollama"]["gpu"]["nvidiaResource"] == "nvidia.com/gpu.shared"
    assert values["nodeSelector"] == {"gpu": "rtx-5070-ti"}
    pod = named(capture, "comfyui-deployment").inputs["spec"]["template"]["spec"]
    assert pod["runtimeClassName"] == "nvidia-cdi"
    assert pod["nodeSelector"] == {"gpu": "rtx-5070-ti"}
    assert pod["containers"][0]["resources"]["limits"]["nvidia.com/gpu.shared"] == "1"
    assert pod["tolerations"] == [{"key": "nvidia.com/gpu.shared", "operator": "Exists", "effect": "NoSchedule"}]
