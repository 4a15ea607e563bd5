"""What each GPU node platform (a Talos release) gives the stack, and the defaults that follow from it.

Keys whose default is "the platform's" are left empty in ``schema.FIELDS`` and filled here from
``gpu.platform`` and ``gpu.driver``; checks.py refuses the combinations the Talos guides say fail.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal, Mapping, Optional, get_args

from stack_config.values import Rejected

if TYPE_CHECKING:
    from stack_config.model import GpuPlugin

PlatformName = Literal["talos-1.12", "talos-1.13"]
DriverLine = Literal["570", "580", "595"]
PLATFORMS: tuple[PlatformName, ...] = get_args(PlatformName)
DRIVER_LINES: tuple[DriverLine, ...] = get_args(DriverLine)


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
    "talos-1.13": Platform(plugin="gpu-operator", drivers=("580", "595"), runtime_class=None,
                           gpu_operator_version="v26.3.3", min_gpu_operator_version="v26.3.1",
                           cdi=True, driver_install_dir="/usr/local"),
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


def platform_values(values: Mapping[str, Any]) -> dict[str, Any]:
    """The keys left empty that mean "the platform's", filled from gpu.platform (and gpu.driver)."""
    platform = PLATFORM_DEFAULTS[values["gpu.platform"]]
    driver = values["gpu.driver"] or platform.drivers[0]
    tag = values["comfyui.image.tag"] or COMFYUI_TAG_FOR_DRIVER[driver]
    return {
        "gpu.plugin": values["gpu.plugin"] or platform.plugin,
        "gpu.driver": driver,
        "gpu.runtimeClass": values["gpu.runtimeClass"] or platform.runtime_class,
        "gpu.gpuOperator.version": values["gpu.gpuOperator.version"] or platform.gpu_operator_version,
        "comfyui.image.tag": tag,
        "comfyui.disableXformers": xformers_advice(tag) if values["comfyui.disableXformers"] is None else values["comfyui.disableXformers"],
    }
