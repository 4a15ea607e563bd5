"""GPU pods land on a GPU node nobody labelled by hand: every label they select is one the stack's plumbing writes."""

from __future__ import annotations

from typing import Any, Mapping, Optional

import pytest
from registrations import named, of_type, urn_of

from offline_preview.capture import Capture

NODE_FEATURE_RULE = "kubernetes:nfd.k8s-sigs.io/v1alpha1:NodeFeatureRule"
ANY = None
"""A label whose value depends on the card (GFD's gpu.product, gpu.count): present, value unknown."""

# What each plugin mode's third-party plumbing writes on a node with one NVIDIA GPU, with sources.
# A NodeFeatureRule the program registers adds its own labels on top (see rule_labels).
WRITTEN_BY_PLUMBING: dict[str, dict[str, Optional[str]]] = {
    "device-plugin": {
        # NFD as nvidia-device-plugin chart 0.17.4 configures its worker (values.yaml
        # nfd.worker.config.sources.pci: deviceClassWhitelist 02/03, deviceLabelFields [vendor]).
        "feature.node.kubernetes.io/pci-10de.present": "true",
        # GFD v0.17.4, README "Catalog of Labels": no nvidia.com/gpu.present among them.
        "nvidia.com/gpu.count": ANY,
        "nvidia.com/gpu.product": ANY,
        "nvidia.com/gpu.memory": ANY,
        "nvidia.com/gpu.family": ANY,
    },
    "gpu-operator": {
        # The operator's controller labels every node with NVIDIA PCI labels
        # (NVIDIA/gpu-operator v25.10.1 controllers/state_manager.go: commonGPULabelKey).
        "nvidia.com/gpu.present": "true",
        # Its NFD subchart (deployments/gpu-operator/values.yaml: deviceLabelFields [vendor]).
        "feature.node.kubernetes.io/pci-10de.present": "true",
        # Its GFD (gfd.enabled: true).
        "nvidia.com/gpu.count": ANY,
        "nvidia.com/gpu.product": ANY,
    },
    # User-managed plumbing: the stack writes nothing; docs/gpu-nodes.md names what the user must ensure.
    "none": {},
}

# The features NFD's pci source reports for an RTX 5070 Ti and its HDMI audio function
# (class codes trimmed to 4 digits: node-feature-discovery source/pci/utils.go).
GPU_PCI_DEVICES = [{"vendor": "10de", "class": "0300", "device": "2c05"}, {"vendor": "10de", "class": "0403", "device": "22e9"}]
AUDIO_ONLY = [{"vendor": "10de", "class": "0403", "device": "22e9"}]


def _expression_holds(expression: Mapping[str, Any], value: Optional[str]) -> bool:
    op, values = expression["op"], expression.get("value", [])
    if op == "In":
        return value in values
    if op == "NotIn":
        return value is not None and value not in values
    if op == "Exists":
        return value is not None
    if op == "DoesNotExist":
        return value is None
    raise AssertionError(f"operator {op} not modelled")


def rule_labels(capture: Capture, devices: list[dict[str, str]]) -> dict[str, Optional[str]]:
    """Labels the registered NodeFeatureRules write on a node with these PCI devices (NFD's matchFeatures semantics)."""
    labels: dict[str, Optional[str]] = {}
    for registration in of_type(capture, NODE_FEATURE_RULE):
        for rule in registration.inputs["spec"]["rules"]:
            matched = True
            for match in rule["matchFeatures"]:
                assert match["feature"] == "pci.device", match
                # An instance feature matches when one device satisfies every expression.
                matched &= any(all(_expression_holds(e, device.get(k)) for k, e in match["matchExpressions"].items())
                               for device in devices)
            if matched:
                labels.update(rule["labels"])
    return labels


def gpu_pod_constraints(capture: Capture) -> list[tuple[str, dict[str, str], dict[str, Any]]]:
    """(pod, nodeSelector, affinity) of every GPU pod the program registers."""
    ollama = named(capture, "ollama-release").inputs["values"]
    comfyui = named(capture, "comfyui-deployment").inputs["spec"]["template"]["spec"]
    return [
        ("ollama", ollama.get("nodeSelector", {}), ollama.get("affinity", {})),
        ("comfyui", comfyui.get("nodeSelector", {}), comfyui.get("affinity", {})),
    ]


def node_satisfies(labels: Mapping[str, Optional[str]], node_selector: Mapping[str, str], affinity: Mapping[str, Any]) -> bool:
    if any(key not in labels or labels[key] != value for key, value in node_selector.items()):
        return False
    terms = affinity.get("nodeAffinity", {}).get("requiredDuringSchedulingIgnoredDuringExecution", {}).get("nodeSelectorTerms")
    if terms:
        return any(all(_expression_holds({"op": e["operator"], "value": e.get("values", [])}, labels.get(e["key"], None))
                       for e in term.get("matchExpressions", [])) for term in terms)
    return True


def fresh_gpu_node(capture: Capture, plugin: str, devices: list[dict[str, str]] = GPU_PCI_DEVICES) -> dict[str, Optional[str]]:
    return {**WRITTEN_BY_PLUMBING[plugin], **rule_labels(capture, devices)}


@pytest.mark.parametrize("plugin", ["device-plugin", "gpu-operator"])
def test_gpu_pods_schedule_on_a_fresh_gpu_node_in_each_managed_plugin_mode(run_with, homelab: Capture, plugin):
    capture = homelab if plugin == "device-plugin" else run_with({"gpu.plugin": plugin, "gpu.namespace": ""})
    assert capture.error is None
    node = fresh_gpu_node(capture, plugin)
    for pod, node_selector, affinity in gpu_pod_constraints(capture):
        assert node_selector, f"{pod} is not pinned to GPU nodes"
        assert node_satisfies(node, node_selector, affinity), (pod, node_selector, node)


def test_device_plugin_mode_writes_gpu_present_only_on_nodes_with_an_nvidia_gpu(homelab: Capture):
    assert rule_labels(homelab, GPU_PCI_DEVICES) == {"nvidia.com/gpu.present": "true"}
    assert rule_labels(homelab, AUDIO_ONLY) == {}
    assert rule_labels(homelab, [{"vendor": "8086", "class": "0300", "device": "46a6"}]) == {}


def test_the_label_rule_waits_for_the_chart_that_brings_its_crd(homelab: Capture):
    rule = named(homelab, "gpu-gpu-present-rule")
    assert rule.inputs["apiVersion"] == "nfd.k8s-sigs.io/v1alpha1"
    assert "namespace" not in rule.inputs["metadata"]
    assert rule.parent == urn_of(homelab, "gpu")
    assert urn_of(homelab, "gpu-device-plugin") in rule.dependencies


def test_the_operator_labels_nodes_itself_and_gets_no_second_rule(run_with):
    capture = run_with({"gpu.plugin": "gpu-operator", "gpu.namespace": ""})
    assert of_type(capture, NODE_FEATURE_RULE) == []


def test_the_homelab_node_keeps_its_hand_written_label(homelab: Capture, homelab_config):
    # k8s-worker4 still carries nvidia.com/gpu.present=true from its GPU Operator days, and the rule writes the same.
    node = {"nvidia.com/gpu.present": "true", **fresh_gpu_node(homelab, "device-plugin")}
    assert homelab_config["homelab-ai:gpu"]["nodeSelector"] == {"nvidia.com/gpu.present": "true"}
    for pod, node_selector, affinity in gpu_pod_constraints(homelab):
        assert node_satisfies(node, node_selector, affinity), pod


def test_user_managed_plumbing_pins_exactly_the_labels_the_stack_names(run_with):
    capture = run_with({"gpu.plugin": "none", "gpu.namespace": "", "gpu.nodeSelector": {"example.com/gpu": "rtx"}})
    assert capture.error is None
    assert of_type(capture, NODE_FEATURE_RULE) == []
    # Nothing the stack runs writes a label: the cluster's own plumbing must (docs/gpu-nodes.md).
    assert not node_satisfies(fresh_gpu_node(capture, "none"), {"example.com/gpu": "rtx"}, {})
    for pod, node_selector, _ in gpu_pod_constraints(capture):
        assert node_selector == {"example.com/gpu": "rtx"}, pod


def test_a_selector_on_a_label_nobody_writes_would_leave_the_pods_pending(run_with):
    # The check itself: GFD's catalog has no gpu.present, so the old program's pods never fit a fresh node.
    capture = run_with({"gpu.nodeSelector": {"nvidia.com/gpu.deploy.operands": "true"}})
    node = fresh_gpu_node(capture, "device-plugin")
    assert not any(node_satisfies(node, s, a) for _, s, a in gpu_pod_constraints(capture))
