"""The options a stack can set per policy with `--policy-pack-config`, their JSON schema and defaults.

The CLI fills each policy's defaults from its schema and rejects values the schema does not
accept before any policy runs; reading falls back to the defaults anyway, so a policy tested or
driven without the CLI still never fails on its configuration.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from . import names
from .protocol import GpuResources


@dataclass(frozen=True)
class ListOption:
    """One policy config property: a list of non-empty strings."""

    key: str
    default: tuple[str, ...]
    description: str
    min_items: int = 0

    def schema(self) -> dict[str, Any]:
        return {
            "type": "array",
            "items": {"type": "string", "minLength": 1},
            "minItems": self.min_items,
            "uniqueItems": True,
            "default": list(self.default),
            "description": self.description,
        }

    def read(self, config: Mapping[str, Any]) -> tuple[str, ...]:
        value = config.get(self.key)
        if (
            isinstance(value, Sequence)
            and not isinstance(value, str)
            and len(value) >= self.min_items
            and all(isinstance(item, str) and item for item in value)
        ):
            return tuple(value)
        return self.default


_GPU_RESOURCE_NAMES = ListOption(
    names.GPU_RESOURCE_NAMES,
    ("nvidia.com/gpu",),
    "Extended resources that count as a GPU when a container asks for more than zero of them.",
)
_GPU_RESOURCE_PREFIXES = ListOption(
    names.GPU_RESOURCE_PREFIXES,
    ("nvidia.com/mig-",),
    "Prefixes of extended resources that count as a GPU: the device plugin names MIG slices "
    "nvidia.com/mig-<profile>, such as nvidia.com/mig-1g.5gb. An empty list turns MIG matching off.",
)
_ALLOWED_RUNTIME_CLASSES = ListOption(
    names.ALLOWED_RUNTIME_CLASSES,
    ("nvidia",),
    "RuntimeClass names a GPU pod may use; messages suggest the first.",
    min_items=1,
)
# Labels only GPU nodes carry, and who writes them: nvidia.com/gpu.present the GPU Operator's
# controller (NVIDIA/gpu-operator controllers/state_manager.go) or an NFD NodeFeatureRule (the
# homelab-ai program declares one with the device plugin); NFD's PCI vendor label with the
# device-plugin chart's NFD config (values.yaml `nfd.worker.config`); GFD's gpu.count and
# gpu.product (k8s-device-plugin README, "Catalog of Labels"). GFD never writes gpu.present.
_GPU_NODE_LABELS = ListOption(
    names.GPU_NODE_LABELS,
    ("nvidia.com/gpu.present", "feature.node.kubernetes.io/pci-10de.present", "nvidia.com/gpu.count",
     "nvidia.com/gpu.product"),
    "Node label keys that pin a pod to GPU nodes through nodeSelector or required node affinity: "
    "nvidia.com/gpu.present (GPU Operator, or an NFD NodeFeatureRule), feature.node.kubernetes.io/pci-10de.present "
    "(NFD), nvidia.com/gpu.count and nvidia.com/gpu.product (GFD).",
    min_items=1,
)
_MUTABLE_TAGS = ListOption(
    names.MUTABLE_TAGS,
    ("latest",),
    "Image tags that are moved to new images; an image with no tag at all always counts as mutable.",
)

_ACCESS_ANNOTATIONS = ListOption(
    names.ACCESS_ANNOTATIONS,
    (
        "nginx.ingress.kubernetes.io/whitelist-source-range",
        "nginx.ingress.kubernetes.io/auth-url",
        "traefik.ingress.kubernetes.io/router.middlewares",
    ),
    "Route annotations that guard an app when set: a source allowlist, a forward-auth URL, or middlewares that apply them.",
)
_ACKNOWLEDGED_ACCESS = ListOption(
    names.ACKNOWLEDGED_ACCESS,
    ("gateway-enforced",),
    "Values of the route annotation homelab-ai/access that vouch for it: `gateway-enforced`, the Gateway applies "
    "the allowlist or auth. `public` is not in the default on purpose, so a public GPU app warns on every preview.",
)


@dataclass(frozen=True)
class FlagOption:
    """One policy config property: true or false."""

    key: str
    default: bool
    description: str

    def schema(self) -> dict[str, Any]:
        return {"type": "boolean", "default": self.default, "description": self.description}

    def read(self, config: Mapping[str, Any]) -> bool:
        value = config.get(self.key)
        return value if isinstance(value, bool) else self.default


# GPU Operator v25.10 and later with cdi.enabled (the default) run their device plugin with
# deviceListStrategy "cdi-annotations,cdi-cri" (gpu-operator v26.3.1 controllers/object_controls.go,
# transformDevicePluginCtrForCDI), and containerd injects the allocated GPU under its default
# runtime: NVIDIA's CDI page says workloads allocated through the device plugin need no change,
# and a runtime class is optional. Talos 1.13 enables CDI in containerd by default.
_CDI_INJECTION = FlagOption(
    names.CDI_INJECTION,
    False,
    "The GPU nodes' container runtime injects the GPUs the device plugin allocates as CDI devices "
    "(Talos 1.13 with the GPU Operator): a GPU pod may then set no runtimeClassName; one it sets must still be allowed.",
)


@dataclass(frozen=True)
class CountOption:
    """One policy config property: a whole number of at least ``minimum``."""

    key: str
    default: int
    description: str

    minimum: int = 1

    def schema(self) -> dict[str, Any]:
        return {"type": "integer", "minimum": self.minimum, "default": self.default, "description": self.description}

    def read(self, config: Mapping[str, Any]) -> int:
        value = config.get(self.key)
        # Configure hands numbers over as floats (2 -> 2.0).
        if (isinstance(value, (int, float)) and not isinstance(value, bool) and value >= self.minimum
                and value == int(value)):
            return int(value)
        return self.default


_GPUS = CountOption(names.GPUS, 1, "Physical GPUs the stack's GPU nodes have.")
_REPLICAS_PER_GPU = CountOption(
    names.REPLICAS_PER_GPU, 1,
    "Pods each GPU holds at once: 1 when exclusive, the device plugin's time-slicing replicas otherwise.",
)

_GPU_MEMORY = CountOption(
    names.GPU_MEMORY, 0,
    "Memory of each GPU, in bytes (17179869184 for 16 GiB); 0 means not stated, and a stack that declares VRAM "
    "budgets is then refused until it is.", minimum=0,
)
_VRAM_SLACK = CountOption(
    names.VRAM_SLACK, 2**30,
    "Bytes of each GPU that no budget may claim: the CUDA contexts of the processes on it, and fragmentation.",
    minimum=0,
)


OPTIONS: Mapping[str, ListOption | CountOption | FlagOption] = {
    option.key: option
    for option in (
        _GPU_RESOURCE_NAMES, _GPU_RESOURCE_PREFIXES, _ALLOWED_RUNTIME_CLASSES, _GPU_NODE_LABELS, _MUTABLE_TAGS,
        _ACCESS_ANNOTATIONS, _ACKNOWLEDGED_ACCESS, _GPUS, _REPLICAS_PER_GPU, _CDI_INJECTION, _GPU_MEMORY,
        _VRAM_SLACK,
    )
}
"""Every option, by its key (names.py)."""


def schema_properties(policy: str) -> dict[str, dict[str, Any]]:
    """The config schema properties of ``policy``: the options names.POLICY_OPTIONS gives it."""
    return {key: OPTIONS[key].schema() for key in names.POLICY_OPTIONS[policy]}


@dataclass(frozen=True)
class Settings:
    """One policy's configuration, every option read with its default."""

    gpu: GpuResources
    runtime_classes: tuple[str, ...]
    cdi_injection: bool
    gpu_node_labels: tuple[str, ...]
    mutable_tags: tuple[str, ...]
    gpus: int
    replicas_per_gpu: int
    access_annotations: tuple[str, ...]
    acknowledged_access: tuple[str, ...]
    gpu_memory: int
    vram_slack: int

    @classmethod
    def read(cls, config: Mapping[str, Any]) -> Settings:
        return cls(
            gpu=GpuResources(_GPU_RESOURCE_NAMES.read(config), _GPU_RESOURCE_PREFIXES.read(config)),
            runtime_classes=_ALLOWED_RUNTIME_CLASSES.read(config),
            cdi_injection=_CDI_INJECTION.read(config),
            gpu_node_labels=_GPU_NODE_LABELS.read(config),
            mutable_tags=_MUTABLE_TAGS.read(config),
            gpus=_GPUS.read(config),
            replicas_per_gpu=_REPLICAS_PER_GPU.read(config),
            access_annotations=_ACCESS_ANNOTATIONS.read(config),
            acknowledged_access=_ACKNOWLEDGED_ACCESS.read(config),
            gpu_memory=_GPU_MEMORY.read(config),
            vram_slack=_VRAM_SLACK.read(config),
        )
