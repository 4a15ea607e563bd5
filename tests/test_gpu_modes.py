"""GpuNodeStack in each plugin mode."""

from __future__ import annotations

import yaml
from registrations import named, names, of_type, urn_of

from offline_preview.capture import Capture

PRIVILEGED = {f"pod-security.kubernetes.io/{mode}": "privileged" for mode in ("enforce", "audit", "warn")}


def test_device_plugin_mode_installs_the_plugin_with_nfd_gfd_and_talos_flags(homelab: Capture):
    release = named(homelab, "gpu-device-plugin").inputs
    assert (release["name"], release["chart"], release["version"], release["namespace"]) == (
        "nvidia-device-plugin", "nvidia-device-plugin", "0.17.4", "nvidia-device-plugin")
    assert release["repositoryOpts"] == {"repo": "https://nvidia.github.io/k8s-device-plugin"}
    values = release["values"]
    assert values["runtimeClassName"] == "nvidia"
    assert values["gfd"] == {"enabled": True}
    # NFD's worker tolerates the GPU taint whatever its value; the chart's own plugin and GFD tolerations stand.
    assert values["nfd"] == {"worker": {"tolerations": [
        {"key": "node-role.kubernetes.io/master", "operator": "Equal", "value": "", "effect": "NoSchedule"},
        {"key": "nvidia.com/gpu", "operator": "Exists", "effect": "NoSchedule"}]}}
    assert "tolerations" not in values
    assert values["config"]["default"] == "default"
    plugin_config = yaml.safe_load(values["config"]["map"]["default"])
    assert plugin_config["version"] == "v1"
    assert plugin_config["flags"] == {
        "migStrategy": "none", "deviceDiscoveryStrategy": "nvml", "plugin": {"deviceListStrategy": "envvar"},
    }


def test_device_plugin_mode_declares_the_nvidia_runtime_class(homelab: Capture):
    (runtime_class,) = of_type(homelab, "kubernetes:node.k8s.io/v1:RuntimeClass")
    assert runtime_class.inputs["metadata"] == {"name": "nvidia"}
    assert runtime_class.inputs["handler"] == "nvidia"


def test_plugin_namespace_is_privileged(homelab: Capture):
    namespace = named(homelab, "gpu-namespace").inputs["metadata"]
    assert namespace == {"name": "nvidia-device-plugin", "labels": PRIVILEGED}


def test_gpu_operator_mode_uses_talos_values_and_declares_no_second_runtime_class(run_with):
    capture = run_with({"gpu.plugin": "gpu-operator", "gpu.namespace": "", "gpu.sharing": {"strategy": "exclusive"}})
    assert capture.error is None
    assert of_type(capture, "kubernetes:node.k8s.io/v1:RuntimeClass") == []
    release = named(capture, "gpu-gpu-operator").inputs
    assert (release["chart"], release["version"], release["namespace"]) == ("gpu-operator", "v25.10.1", "gpu-operator")
    assert release["repositoryOpts"] == {"repo": "https://helm.ngc.nvidia.com/nvidia"}
    assert release["values"] == {
        "driver": {"enabled": False},
        "toolkit": {"enabled": False},
        "operator": {"runtimeClass": "nvidia"},
        # The chart runs its exporter by default; gpu.metrics.enabled is false.
        "dcgmExporter": {"enabled": False},
    }
    assert named(capture, "gpu-namespace").inputs["metadata"] == {"name": "gpu-operator", "labels": PRIVILEGED}
    assert "gpu-device-plugin" not in names(capture)
    # The apps still use the class the operator creates, and still wait for the operator.
    assert named(capture, "ollama-release").inputs["values"]["runtimeClassName"] == "nvidia"
    assert urn_of(capture, "gpu-gpu-operator") in named(capture, "comfyui-deployment").dependencies


def test_none_mode_registers_no_gpu_plumbing_but_apps_keep_the_gpu_settings(run_with):
    capture = run_with({"gpu.plugin": "none", "gpu.namespace": ""})
    assert capture.error is None
    gpu_urn = urn_of(capture, "gpu")
    assert [r.name for r in capture.registrations if r.parent == gpu_urn] == []
    pod = named(capture, "comfyui-deployment").inputs["spec"]["template"]["spec"]
    assert pod["runtimeClassName"] == "nvidia"
    assert pod["nodeSelector"] == {"nvidia.com/gpu.present": "true"}
    assert capture.outputs["namespaces"]["gpu"] is None
