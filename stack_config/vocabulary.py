"""The config's closed vocabularies and the project's name: what every other module of the package may
import without importing anything of it."""

from __future__ import annotations

from typing import Literal, get_args

PROJECT = "homelab-ai"

PlatformName = Literal["talos-1.12", "talos-1.13"]
DriverLine = Literal["570", "580", "595"]
GpuPlugin = Literal["device-plugin", "gpu-operator", "none"]
SharingStrategy = Literal["exclusive", "time-slicing"]
ExposureKind = Literal["none", "gateway", "ingress"]
# How the Gateway or ingress controller's traffic reaches the app pods (components/network_policies.py,
# PROXY_POD_LABELS): Cilium's own Gateway/Ingress as its `ingress` identity; the others from their proxy pods.
ControllerImplementation = Literal["cilium", "envoy-gateway", "traefik", "ingress-nginx", "other"]
ManagerSecurityLevel = Literal["strong", "normal", "normal-", "weak"]
Scheme = Literal["http", "https"]

PLATFORMS: tuple[PlatformName, ...] = get_args(PlatformName)
DRIVER_LINES: tuple[DriverLine, ...] = get_args(DriverLine)
GPU_PLUGINS: tuple[GpuPlugin, ...] = get_args(GpuPlugin)
SHARING_STRATEGIES: tuple[SharingStrategy, ...] = get_args(SharingStrategy)
EXPOSURE_KINDS: tuple[ExposureKind, ...] = get_args(ExposureKind)
CONTROLLER_IMPLEMENTATIONS: tuple[ControllerImplementation, ...] = get_args(ControllerImplementation)
MANAGER_SECURITY_LEVELS: tuple[ManagerSecurityLevel, ...] = get_args(ManagerSecurityLevel)
