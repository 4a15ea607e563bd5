"""Which node labels mark a GPU node, and who writes them in each plugin mode.

GPU pods select these labels (`gpu.nodeSelector`); a label nobody writes leaves them Pending
on a fresh node.
"""

from __future__ import annotations

from typing import Any

# The node label every GPU node gets from this stack's plumbing, whatever the mode writes it:
# the GPU Operator's controller sets it on nodes with an NVIDIA PCI device
# (NVIDIA/gpu-operator controllers/state_manager.go, commonGPULabelKey); with the device plugin
# the program's own NodeFeatureRule below sets it. GFD never does (k8s-device-plugin README,
# "Catalog of Labels"), and the plugin chart's values.yaml names it only as a manual override.
GPU_PRESENT_LABEL = "nvidia.com/gpu.present"
# NVIDIA's PCI vendor ID; NFD as the plugin chart configures it (worker `deviceLabelFields:
# [vendor]`, classes 02 and 03) labels such nodes feature.node.kubernetes.io/pci-10de.present.
NVIDIA_PCI_VENDOR = "10de"
# PCI classes of a GPU: VGA-compatible (0300) and 3D controller (0302). The card's HDMI audio
# function shares the vendor ID but not the class.
GPU_PCI_CLASSES = ("0300", "0302")

# Node labels each plugin mode's plumbing writes on a GPU node, for the policy pack's pinning
# rule: NFD's PCI label (device-plugin chart 0.17.4 values.yaml `nfd.worker.config`; the GPU
# Operator's NFD subchart likewise), GFD's catalog (k8s-device-plugin README "Catalog of
# Labels"; the operator runs GFD too) and GPU_PRESENT_LABEL. With `none` the cluster's own
# plumbing decides, so only `gpu.nodeSelector` is known.
GPU_NODE_LABELS: dict[str, tuple[str, ...]] = {
    "device-plugin": (GPU_PRESENT_LABEL, f"feature.node.kubernetes.io/pci-{NVIDIA_PCI_VENDOR}.present",
                      "nvidia.com/gpu.count", "nvidia.com/gpu.product"),
    "gpu-operator": (GPU_PRESENT_LABEL, f"feature.node.kubernetes.io/pci-{NVIDIA_PCI_VENDOR}.present",
                     "nvidia.com/gpu.count", "nvidia.com/gpu.product"),
    "none": (),
}


def gpu_present_rule() -> dict[str, Any]:
    """Spec of the NFD NodeFeatureRule that labels every node with an NVIDIA GPU `nvidia.com/gpu.present=true`.

    The plugin chart's NFD (subchart 0.15.3) runs its master with the CRD controller on
    (`-crd-controller` defaults to true, cmd/nfd-master/main.go) and applies rules to the features
    each worker reports (pkg/nfd-master/nfd-master.go, processNodeFeatureRule). `nvidia.com` is no
    `kubernetes.io` namespace, so NFD allows it (pkg/apis/nfd/validate), and the plugin chart lists it
    in `nfd.master.config.extraLabelNs` as well.
    """
    return {"rules": [{
        "name": "nvidia-gpu-present",
        "labels": {GPU_PRESENT_LABEL: "true"},
        "matchFeatures": [{
            "feature": "pci.device",
            "matchExpressions": {
                "vendor": {"op": "In", "value": [NVIDIA_PCI_VENDOR]},
                "class": {"op": "In", "value": list(GPU_PCI_CLASSES)},
            },
        }],
    }]}

