"""The NFD rule that writes `nvidia.com/gpu.present` in device-plugin mode.

GPU pods select that label (`gpu.nodeSelector`); a label nobody writes leaves them Pending
on a fresh node. Which labels each mode writes is the platform table's (stack_config/platforms.py).
"""

from __future__ import annotations

from typing import Any

from stack_config.platforms import GPU_PRESENT_LABEL, NVIDIA_PCI_VENDOR

# PCI classes of a GPU: VGA-compatible (0300) and 3D controller (0302). The card's HDMI audio
# function shares the vendor ID but not the class.
GPU_PCI_CLASSES = ("0300", "0302")


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

