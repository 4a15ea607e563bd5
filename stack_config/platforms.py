"""What each GPU node platform (a Talos release) gives the stack: one table entry per release.

Keys whose default is "the platform's" are left empty in ``schema.FIELDS`` and filled from its
entry by defaults.py; checks.py refuses the combinations an entry says fail. A new Talos release
is one entry here, plus the facts of the charts it pins (tests/chart_values/).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, Callable, Mapping, Optional

from stack_config.values import Rejected
from stack_config.vocabulary import DRIVER_LINES, DriverLine, GpuPlugin, PlatformName


@dataclass(frozen=True)
class Platform:
    """What a Talos release gives the GPU node, and the plumbing its NVIDIA guide documents."""

    plugin: GpuPlugin
    drivers: tuple[DriverLine, ...]
    """Driver lines Talos ships as system extensions for this release; the first is the default."""
    runtime_class: Optional[str]
    """RuntimeClass GPU pods use unless the stack names one; None: the default runtime."""
    gpu_operator_version: str
    min_gpu_operator_version: Optional[str]
    cdi: bool = False
    """Containerd injects GPUs as CDI devices (Talos 1.13 enables CDI by default)."""
    driver_install_dir: Optional[str] = None
    """Where the Talos driver extension puts the driver, for the GPU Operator's hostPaths."""
    refused_plugins: Mapping[GpuPlugin, str] = field(default_factory=dict)
    """Plugin modes the release's guide says fail, each with the reason config gives."""


# The containerd runtime handler the Talos nvidia-container-toolkit extension registers, on every
# Talos release: a RuntimeClass must name it as its handler.
TALOS_RUNTIME_HANDLER = "nvidia"

# GPU Operator releases that stop on any Talos node: v26.3.0 parses the node's os-release
# VERSION_ID as an integer major version (controllers/state_manager.go getGPUNodeOSTag,
# strconv.Atoi), and Talos's is `v1.12.x`; v26.3.1 parses it only for RHEL (getGPUNodeOSInfo,
# NVIDIA/gpu-operator #2239, fixed by #2244), and v25.10.1 has no such parse. The release (and
# its pre-releases), and the one that fixed it.
GPU_OPERATOR_FAILS_ON_TALOS = ("v26.3.0", "v26.3.1")

# Talos support matrices (siderolabs/docs public/talos/v1.12 and v1.13/getting-started/support-matrix.mdx):
# 1.12 ships drivers 570 (production) and 580 (LTS), 1.13 ships 595 (production) and 580 (LTS).
# 1.12's NVIDIA guide uses the nvidia-device-plugin chart and a RuntimeClass `nvidia`; 1.13
# switched to CDI, and its guide (configure-your-talos-cluster/hardware-and-drivers/nvidia-gpu.mdx)
# installs the GPU Operator "v26.3.1 or higher"; the pin is the newest v26.3 patch release, v26.3.3,
# whose values keep v26.3.1's defaults (v26.7.0 turns its ServiceMonitor and a DRA driver on:
# docs/platforms.md). Under CDI the operator's device plugin hands GPUs to the
# runtime as CDI devices (gpu-operator v26.3.1 controllers/object_controls.go,
# transformDevicePluginCtrForCDI: deviceListStrategy "cdi-annotations,cdi-cri"), which
# containerd injects under its default runtime: GPU pods need no runtimeClassName.
PLATFORM_DEFAULTS: Mapping[PlatformName, Platform] = {
    "talos-1.12": Platform(plugin="device-plugin", drivers=("570", "580"), runtime_class="nvidia",
                           gpu_operator_version="v25.10.1", min_gpu_operator_version=None),
    # siderolabs/docs talos/v1.13 lifecycle-management/upgrading-talos.mdx: uninstall the
    # nvidia-device-plugin chart and delete the `nvidia` RuntimeClass before upgrading.
    "talos-1.13": Platform(plugin="gpu-operator", drivers=("580", "595"), runtime_class=None,
                           gpu_operator_version="v26.3.3", min_gpu_operator_version="v26.3.1",
                           cdi=True, driver_install_dir="/usr/local",
                           refused_plugins=MappingProxyType({"device-plugin": (
                               "Talos 1.13 switched to CDI, and the device-plugin mode's chart and program-declared "
                               "RuntimeClass `nvidia` must be gone before the upgrade (docs/platforms.md)")})),
}

# The node label every GPU node gets from this stack's plumbing, whatever the mode writes it:
# the GPU Operator's controller sets it on nodes with an NVIDIA PCI device
# (NVIDIA/gpu-operator controllers/state_manager.go, commonGPULabelKey); with the device plugin
# the program's own NodeFeatureRule (components/gpu_node_labels.py) sets it. GFD never does
# (k8s-device-plugin README, "Catalog of Labels"), and the plugin chart's values.yaml names it only
# as a manual override.
GPU_PRESENT_LABEL = "nvidia.com/gpu.present"
# NVIDIA's PCI vendor ID; NFD as the plugin chart configures it (worker `deviceLabelFields:
# [vendor]`, classes 02 and 03) labels such nodes feature.node.kubernetes.io/pci-10de.present.
NVIDIA_PCI_VENDOR = "10de"

# Node labels each plugin mode's plumbing writes on a GPU node, for the policy pack's pinning
# rule: NFD's PCI label (device-plugin chart 0.17.4 values.yaml `nfd.worker.config`; the GPU
# Operator's NFD subchart likewise), GFD's catalog (k8s-device-plugin README "Catalog of
# Labels"; the operator runs GFD too) and GPU_PRESENT_LABEL. With `none` the cluster's own
# plumbing decides, so only `gpu.nodeSelector` is known.
PLUGIN_NODE_LABELS: Mapping[GpuPlugin, tuple[str, ...]] = {
    "device-plugin": (GPU_PRESENT_LABEL, f"feature.node.kubernetes.io/pci-{NVIDIA_PCI_VENDOR}.present",
                      "nvidia.com/gpu.count", "nvidia.com/gpu.product"),
    "gpu-operator": (GPU_PRESENT_LABEL, f"feature.node.kubernetes.io/pci-{NVIDIA_PCI_VENDOR}.present",
                     "nvidia.com/gpu.count", "nvidia.com/gpu.product"),
    "none": (),
}

# The ComfyUI image per driver line. CUDA 13.0 images need driver 580 or newer: on 570 the
# cu128 megapak line, archived upstream on 2026-05-19 (YanWenKun/ComfyUI-Docker
# archived/cu128-megapak), whose last tags no longer move. cu130-megapak-pt211-20260701 was
# built and pushed to Docker Hub (hub.docker.com/r/yanwk/comfyui-boot) by
# .github/workflows/build-cu130-megapak-pt211.yml (tags `cu130-megapak-pt211-<date>`), which
# check-comfyui-release.yml dispatched for ComfyUI v0.27.0 (commit 3745010, 2026-07-01).
COMFYUI_TAG_FOR_DRIVER: Mapping[DriverLine, str] = {
    "570": "cu128-megapak-20260223",
    "580": "cu130-megapak-pt211-20260701",
    "595": "cu130-megapak-pt211-20260701",
}
# The lowest driver line each CUDA major version of the yanwk tags (`cu<major><minor>-...`) runs on.
CUDA_MIN_DRIVER: Mapping[int, DriverLine] = {12: "570", 13: "580"}
_CUDA_TAG_RE = re.compile(r"^cu(?P<major>1\d)\d")


def cuda_major(tag: str) -> Optional[int]:
    """CUDA major version a yanwk tag names, such as 13 for cu130-megapak-pt211; None if it names none."""
    match = _CUDA_TAG_RE.match(tag)
    return int(match.group("major")) if match else None


def xformers_advice(tag: str) -> bool:
    """Whether the image's README says to pass --disable-xformers.

    The cu128 megapak README (archived/cu128-megapak/README.adoc) runs `--disable-xformers`:
    xFormers "can cause issues on Blackwell GPUs" (the line built for Blackwell). The cu130
    megapak README lists xFormers as working on Blackwell and leaves it on.
    """
    return tag.startswith("cu128-megapak")


def version_key(version: str) -> tuple[int, int, int, int]:
    """Orders chart versions; a pre-release sorts before its release."""
    core, _, pre = version.lstrip("v").partition("-")
    major, minor, patch = (int(part) for part in core.split("+")[0].split("."))
    return major, minor, patch, 0 if pre else 1


def driver_line(value: Any) -> DriverLine:
    # `pulumi config set --path gpu.driver 580` stores a YAML integer.
    written = str(value) if isinstance(value, int) and not isinstance(value, bool) else value
    for line in DRIVER_LINES:
        if written == line:
            return line
    raise Rejected("one of " + ", ".join(repr(d) for d in DRIVER_LINES) + " (the NVIDIA driver branch on the node)")


# How the config reference (schema.FIELDS) names each plugin mode.
_PLUGIN_NAMES: Mapping[GpuPlugin, str] = {"device-plugin": "device plugin", "gpu-operator": "GPU Operator", "none": "no plugin"}


def platforms_described() -> str:
    """Each platform as `gpu.platform`'s description lists it, from its table entry."""
    def one(name: str, p: Platform) -> str:
        drivers = f"driver{'s' if len(p.drivers) > 1 else ''} {'/'.join(p.drivers)}"
        runtime = f", RuntimeClass `{p.runtime_class}`" if p.runtime_class else ""
        return f"`{name}` ({'CDI, ' if p.cdi else ''}{drivers}, {_PLUGIN_NAMES[p.plugin]}{runtime})"
    return " or ".join(one(name, p) for name, p in PLATFORM_DEFAULTS.items())


def each_platform(describe: Callable[[Platform], str]) -> str:
    """``describe`` of every platform's entry, as "X on talos-1.12, Y on talos-1.13"."""
    return ", ".join(f"{describe(p)} on {name}" for name, p in PLATFORM_DEFAULTS.items())


def platforms_refusing(plugin: GpuPlugin) -> tuple[str, ...]:
    return tuple(name for name, p in PLATFORM_DEFAULTS.items() if plugin in p.refused_plugins)


def operator_versions_described() -> str:
    """`gpu.gpuOperator.version`'s platform defaults with each one's floor, and the release no Talos runs."""
    def one(p: Platform) -> str:
        floor = f", which needs {p.min_gpu_operator_version} or newer" if p.min_gpu_operator_version else ""
        return f"`{p.gpu_operator_version}`{floor}"
    return f"{each_platform(one)}; {GPU_OPERATOR_FAILS_ON_TALOS[0]} stops on every Talos node"
