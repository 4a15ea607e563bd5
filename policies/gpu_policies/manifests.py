"""Pods written as Kubernetes objects: a Pod, or the pod template of a workload kind."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any, Optional, Union

from .protocol import (
    KUBERNETES_DEFAULT_MAX_SURGE,
    KUBERNETES_DEFAULT_STRATEGY,
    Container,
    GpuRequest,
    GpuResources,
    Setting,
    literal_env,
)
from .readers import Malformed, dig, gpu_count, image_tag, mapping, metadata_namespace, pod_count, sequence, shown, surge_pods

# Where each workload kind keeps its pod spec. Any version of these groups counts (apps/v1,
# batch/v1beta1, ...); `*Patch` types are partial objects whose missing fields live elsewhere.
POD_SPEC_PATHS: Mapping[str, tuple[str, ...]] = MappingProxyType(
    {
        "Pod": ("spec",),
        "PodTemplate": ("template", "spec"),
        "ReplicationController": ("spec", "template", "spec"),
        "Deployment": ("spec", "template", "spec"),
        "ReplicaSet": ("spec", "template", "spec"),
        "StatefulSet": ("spec", "template", "spec"),
        "DaemonSet": ("spec", "template", "spec"),
        "Job": ("spec", "template", "spec"),
        "CronJob": ("spec", "jobTemplate", "spec", "template", "spec"),
    }
)
WORKLOAD_GROUPS = frozenset({"core", "apps", "batch", "extensions"})

# Where each kind says how many pods run at once, and how many when it says nothing. A
# DaemonSet runs one pod per matching node: counted as one, for a single GPU node. A PodTemplate
# runs nothing by itself.
REPLICA_PATHS: Mapping[str, tuple[tuple[str, ...], int]] = MappingProxyType(
    {
        "Pod": ((), 1),
        "PodTemplate": ((), 0),
        "ReplicationController": (("spec", "replicas"), 1),
        "Deployment": (("spec", "replicas"), 1),
        "ReplicaSet": (("spec", "replicas"), 1),
        "StatefulSet": (("spec", "replicas"), 1),
        "DaemonSet": ((), 1),
        "Job": (("spec", "parallelism"), 1),
        "CronJob": (("spec", "jobTemplate", "spec", "parallelism"), 1),
    }
)


@dataclass(frozen=True)
class ManifestContainer:
    spec: Mapping[str, Any]
    path: str
    init: bool = False

    @property
    def name(self) -> str:
        name = self.spec.get("name")
        return name if isinstance(name, str) and name else self.path

    @property
    def resources(self) -> Setting:
        return Setting(mapping(self.spec.get("resources")), f"{self.path}.resources")

    def image_tag(self) -> Setting:
        return Setting(image_tag(self.spec.get("image")), f"{self.path}.image")

    def env(self) -> Mapping[str, Any]:
        return literal_env(self.spec.get("env"))


@dataclass(frozen=True)
class ManifestPod:
    kind: str
    name: str
    props: Mapping[str, Any]
    spec_path: tuple[str, ...]

    @property
    def label(self) -> str:
        return f"{self.kind} '{shown(self.name)}'"

    @property
    def has_update_strategy(self) -> bool:
        return self.kind == "Deployment"

    @property
    def spec(self) -> Mapping[str, Any]:
        return mapping(dig(self.props, self.spec_path))

    def _path(self, field: str) -> str:
        return ".".join((*self.spec_path, field))

    def containers(self) -> list[Container]:
        # Init containers hold their resources while they run, GPUs included.
        return [
            ManifestContainer(container, f"{self._path(field)}[{index}]", init=field == "initContainers")
            for field in ("initContainers", "containers")
            for index, container in enumerate(sequence(self.spec.get(field)))
            if isinstance(container, Mapping)
        ]

    def gpu_requests(self, gpu: GpuResources) -> list[GpuRequest]:
        return [request for container in self.containers() if (request := _container_gpu_request(container, gpu))]

    def runtime_class(self) -> Setting:
        return Setting(self.spec.get("runtimeClassName"), self._path("runtimeClassName"))

    def update_strategy(self) -> Setting:
        strategy = mapping(self.props.get("spec")).get("strategy")
        if strategy is not None and not isinstance(strategy, Mapping):
            return Setting(None, "spec.strategy")
        value = mapping(strategy).get("type")
        if value is None:
            return Setting(KUBERNETES_DEFAULT_STRATEGY, "spec.strategy.type", defaulted=True)
        return Setting(value, "spec.strategy.type")

    def node_selector(self) -> Setting:
        return Setting(self.spec.get("nodeSelector"), self._path("nodeSelector"))

    def affinity(self) -> Setting:
        return Setting(self.spec.get("affinity"), self._path("affinity"))

    def namespace(self) -> str:
        return metadata_namespace(self.props)

    def chart_owned_claim(self) -> Optional[Setting]:
        return None

    def written_claims(self) -> list[str]:
        claims = {volume["name"]: dig(volume, ("persistentVolumeClaim", "claimName"))
                  for volume in sequence(self.spec.get("volumes"))
                  if isinstance(volume, Mapping) and isinstance(volume.get("name"), str)}
        written = {mount["name"] for field in ("initContainers", "containers") for container in sequence(self.spec.get(field))
                   if isinstance(container, Mapping) for mount in sequence(container.get("volumeMounts"))
                   if isinstance(mount, Mapping) and isinstance(mount.get("name"), str) and mount.get("readOnly") is not True}
        return sorted({claim for name, claim in claims.items() if name in written and isinstance(claim, str)})

    def annotations(self) -> Mapping[str, Any]:
        # A Pod carries its own; a workload's pods, those of the template beside its spec.
        return mapping(dig(self.props, (*self.spec_path[:-1], "metadata", "annotations")))

    def replicas(self) -> Optional[Union[int, Malformed]]:
        path, default = REPLICA_PATHS[self.kind]
        return pod_count(dig(self.props, path), default) if path else default

    def rollout_surge(self, replicas: int) -> Union[int, Malformed]:
        if not self.has_update_strategy or self.update_strategy().value != KUBERNETES_DEFAULT_STRATEGY:
            return 0
        max_surge = dig(self.props, ("spec", "strategy", "rollingUpdate", "maxSurge"))
        return surge_pods(KUBERNETES_DEFAULT_MAX_SURGE if max_surge is None else max_surge, replicas)


def _container_gpu_request(container: Container, gpu: GpuResources) -> Optional[GpuRequest]:
    resources = container.resources.value
    for section in ("limits", "requests"):
        amounts = mapping(resources.get(section))
        for resource in amounts:
            if resource in gpu and (count := gpu_count(amounts[resource])):
                return GpuRequest(container, resource, count)
    return None

