"""gpu.platform: what a Talos 1.13 stack registers, and how the pack judges it with the config the stack writes."""

from __future__ import annotations

from typing import Any

import pytest
from chart_value_paths import paths_unknown_to_chart
from policy_corpus import RUNTIME_CLASS, TYPES, apart_from_unbacked_comfyui, manifest, pod_spec
from registrations import named, names, of_type
from tree_edits import DELETE, changed_config

from gpu_policies.dispatch import pod_template
from gpu_policies.pod_rules import runtime_class_violations
from gpu_policies.protocol import GpuResources
from offline_preview.capture import Capture, run_program
from offline_preview.engine import PolicyEngine
from offline_preview.preview import analyzer_resources
from policy_pack_config import policy_pack_config
from stack_config.stack_files import parse_stack_file_config

RUNTIME_CLASS_TYPE = "kubernetes:node.k8s.io/v1:RuntimeClass"
TALOS_1_13 = {"gpu": {"platform": "talos-1.13"}, "comfyui.image.tag": DELETE, "comfyui.disableXformers": DELETE}
SHARED_TALOS_1_13 = {**TALOS_1_13, "gpu": {"platform": "talos-1.13", "sharing": {"strategy": "time-slicing", "replicas": 2}}}


@pytest.fixture(scope="module")
def talos_1_13(homelab_config) -> Capture:
    """The homelab's apps on a stack whose `gpu` section says only `platform: talos-1.13`."""
    capture = run_program(changed_config(homelab_config, TALOS_1_13))
    assert capture.error is None, capture.error
    return capture


def _comfyui_pod(capture: Capture) -> dict[str, Any]:
    return named(capture, "comfyui-deployment").inputs["spec"]["template"]["spec"]


def test_talos_1_13_installs_the_operator_with_talos_values(talos_1_13: Capture):
    release = named(talos_1_13, "gpu-gpu-operator").inputs
    assert (release["chart"], release["version"], release["namespace"]) == ("gpu-operator", "v26.3.3", "gpu-operator")
    assert release["values"] == {
        "driver": {"enabled": False},
        "toolkit": {"enabled": False},
        "hostPaths": {"driverInstallDir": "/usr/local"},
        # The chart's exporter is on by default; metrics are opt-in here (gpu.metrics.enabled).
        "dcgmExporter": {"enabled": False},
    }
    assert paths_unknown_to_chart(release["values"], "gpu-operator", "v26.3.3") == []


def test_talos_1_13_registers_no_device_plugin_and_no_runtime_class(talos_1_13: Capture):
    assert "gpu-device-plugin" not in names(talos_1_13)
    assert of_type(talos_1_13, RUNTIME_CLASS_TYPE) == []
    assert talos_1_13.outputs.get("gpuRuntimeClass") is None


def test_talos_1_13_gpu_pods_run_under_the_default_runtime_with_cdi(talos_1_13: Capture):
    assert "runtimeClassName" not in _comfyui_pod(talos_1_13)
    assert "runtimeClassName" not in named(talos_1_13, "ollama-release").inputs["values"]


def test_talos_1_13_runs_the_cuda_13_comfyui_image_with_xformers(talos_1_13: Capture):
    (container,) = _comfyui_pod(talos_1_13)["containers"]
    assert container["image"] == "yanwk/comfyui-boot:cu130-megapak-pt211-20260701"
    assert {"name": "CLI_ARGS", "value": "--listen 0.0.0.0 --port 8188"} in container["env"]


def test_time_slicing_on_talos_1_13_configures_the_operators_device_plugin(run_with):
    capture = run_with(SHARED_TALOS_1_13)
    assert capture.error is None, capture.error
    values = named(capture, "gpu-gpu-operator").inputs["values"]
    assert values["devicePlugin"]["config"]["default"] == "default"
    assert "replicas: 2" in values["devicePlugin"]["config"]["data"]["default"]
    assert paths_unknown_to_chart(values, "gpu-operator", "v26.3.3") == []


def test_a_runtime_class_named_on_talos_1_13_is_the_one_the_operator_creates(run_with):
    capture = run_with({**TALOS_1_13, "gpu": {"platform": "talos-1.13", "runtimeClass": "nvidia"}})
    assert capture.error is None, capture.error
    assert of_type(capture, RUNTIME_CLASS_TYPE) == []
    assert named(capture, "gpu-gpu-operator").inputs["values"]["operator"] == {"runtimeClass": "nvidia"}
    assert _comfyui_pod(capture)["runtimeClassName"] == "nvidia"


@pytest.mark.parametrize("changes, cli_args", [
    ({}, "--listen 0.0.0.0 --port 8188"),
    ({"comfyui.disableXformers": DELETE}, "--listen 0.0.0.0 --port 8188 --disable-xformers"),
    ({**TALOS_1_13, "comfyui.disableXformers": True, "comfyui.port": 8190}, "--listen 0.0.0.0 --port 8190 --disable-xformers"),
], ids=["homelab-as-before", "cu128-megapak-follows-its-readme", "cu130-when-asked"])
def test_comfyui_disables_xformers_where_the_image_readme_says_or_the_stack_asks(run_with, changes, cli_args):
    capture = run_with(changes)
    assert capture.error is None, capture.error
    (container,) = _comfyui_pod(capture)["containers"]
    assert [e["value"] for e in container["env"] if e["name"] == "CLI_ARGS"] == [cli_args]


# --- the runtime-class rule under the config each platform writes ---

GPU = GpuResources(("nvidia.com/gpu",), ("nvidia.com/mig-",))


@pytest.mark.parametrize("runtime_class, cdi_injection, fires", [
    (DELETE, False, True),
    ("", False, True),
    ("nvidia", False, False),
    (DELETE, True, False),
    ("", True, False),
    ("nvidia", True, False),
    ("runc", True, True),
])
def test_runtime_class_rule_accepts_no_class_only_where_cdi_injects_the_gpu(runtime_class, cdi_injection, fires):
    pod = pod_template(TYPES["Deployment"], "app", manifest("Deployment", pod_spec(runtimeClassName=runtime_class)))
    assert pod is not None
    assert bool(runtime_class_violations(pod, GPU, ("nvidia",), cdi_injection)) is fires


def _diagnostics(engine: PolicyEngine, capture: Capture, config: dict[str, Any]) -> list[Any]:
    engine.configure(config)
    resources = analyzer_resources(capture)
    return [d for r in resources for d in engine.analyze_resource(r)] + engine.analyze_stack(resources)


def test_talos_1_13_stack_passes_the_pack_with_the_config_it_writes(engine, run_with, homelab_config):
    capture = run_with(SHARED_TALOS_1_13)
    config = policy_pack_config(parse_stack_file_config(changed_config(homelab_config, SHARED_TALOS_1_13)))
    assert config[RUNTIME_CLASS]["cdiInjection"] is True
    assert apart_from_unbacked_comfyui(_diagnostics(engine, capture, config)) == []

    # Without the platform's word that CDI injects the GPU, the same pods are refused.
    runtime_config = {**config, RUNTIME_CLASS: {**config[RUNTIME_CLASS], "cdiInjection": False}}
    refused = [d for d in _diagnostics(engine, capture, runtime_config) if d.policy == RUNTIME_CLASS]
    assert sorted(d.level for d in refused) == ["mandatory", "mandatory"]
    assert all("the pod sets no runtimeClassName" in d.message for d in refused)
