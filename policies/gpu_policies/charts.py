"""Pods a Helm release renders from its values: where each chart the pack knows keeps what a
rule reads. A new chart is one entry of CHART_POD_VALUES, read from its templates at a pinned version."""

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
from .readers import Malformed, gpu_count, mapping, pod_count, shown, surge_pods


@dataclass(frozen=True)
class ChartValue:
    """A key in a chart's values.yaml, by its dotted path, and the chart's own default for it."""

    path: str
    default: Any = None

    def read(self, values: Mapping[str, Any]) -> Any:
        node: Any = values
        for key in self.path.split("."):
            # Helm deletes a key whose value is null, chart default included.
            if node is None:
                return None
            if not isinstance(node, Mapping) or key not in node:
                return self.default
            node = node[key]
        return node


@dataclass(frozen=True)
class ChartPodValues:
    """Where a chart's values set what a policy reads from a pod spec.

    A `helm.v3.Release` is one resource: the policy sees its values, never the pods they render.
    """

    container: str
    gpu_enabled: ChartValue
    gpu_resource: ChartValue
    gpu_count: ChartValue
    runtime_class: ChartValue
    update_strategy: Optional[ChartValue]
    """None when the chart renders no Deployment."""
    node_selector: ChartValue
    affinity: ChartValue
    resources: ChartValue
    image_tag: ChartValue
    """An empty tag is the chart's appVersion, which the pinned chart version fixes."""
    persistence_enabled: ChartValue
    existing_claim: ChartValue
    """Without one, the chart creates the PVC itself and `helm uninstall` deletes it."""
    replicas: ChartValue
    max_surge: Optional[ChartValue]
    """Where a RollingUpdate's maxSurge is written; None when the chart renders no Deployment."""
    pod_annotations: ChartValue
    env: ChartValue
    """The container's extra environment: a list of Kubernetes env entries."""


# Read from each chart's templates/deployment.yaml and values.yaml at the version named.
CHART_POD_VALUES: Mapping[str, ChartPodValues] = MappingProxyType(
    {
        # otwld/ollama-helm 1.41.0: the container is named after the chart; with the GPU on, the chart
        # adds the GPU limit (`number | default 1`) and its toleration itself.
        "ollama": ChartPodValues(
            container="ollama",
            gpu_enabled=ChartValue("ollama.gpu.enabled", False),
            gpu_resource=ChartValue("ollama.gpu.nvidiaResource", "nvidia.com/gpu"),
            gpu_count=ChartValue("ollama.gpu.number", 1),
            runtime_class=ChartValue("runtimeClassName", ""),
            update_strategy=ChartValue("updateStrategy.type", "Recreate"),
            node_selector=ChartValue("nodeSelector", {}),
            affinity=ChartValue("affinity", {}),
            resources=ChartValue("resources", {}),
            image_tag=ChartValue("image.tag", ""),
            persistence_enabled=ChartValue("persistentVolume.enabled", False),
            existing_claim=ChartValue("persistentVolume.existingClaim", ""),
            replicas=ChartValue("replicaCount", 1),
            max_surge=ChartValue("updateStrategy.rollingUpdate.maxSurge", KUBERNETES_DEFAULT_MAX_SURGE),
            # On the pod template's metadata, and after OLLAMA_HOST in the container's env.
            pod_annotations=ChartValue("podAnnotations", {}),
            env=ChartValue("extraEnv", []),
        ),
    }
)


def chart_name(chart: Any) -> str:
    """The chart's own name from a Release's `chart`: `ollama`, `otwld/ollama` or `oci://host/path/ollama`."""
    return chart.rstrip("/").rsplit("/", 1)[-1] if isinstance(chart, str) else ""


@dataclass(frozen=True)
class ChartContainer:
    pod: ChartPod
    init: bool = False

    @property
    def name(self) -> str:
        return self.pod.chart.container

    @property
    def resources(self) -> Setting:
        resources = self.pod.setting(self.pod.chart.resources)
        return Setting(mapping(resources.value), resources.path)

    def image_tag(self) -> Setting:
        tag = self.pod.setting(self.pod.chart.image_tag)
        # An empty tag renders the chart's appVersion: fixed by the chart version, not mutable.
        return Setting(tag.value if isinstance(tag.value, str) and tag.value else None, tag.path)

    def env(self) -> Mapping[str, Any]:
        return literal_env(self.pod.chart.env.read(self.pod.values))


@dataclass(frozen=True)
class ChartPod:
    chart_id: str
    name: str
    props: Mapping[str, Any]
    chart: ChartPodValues

    @property
    def label(self) -> str:
        return f"Release '{shown(self.name)}' (chart {shown(self.chart_id)})"

    @property
    def has_update_strategy(self) -> bool:
        return self.chart.update_strategy is not None

    @property
    def values(self) -> Mapping[str, Any]:
        return mapping(self.props.get("values"))

    def setting(self, value: ChartValue) -> Setting:
        return Setting(value.read(self.values), f"values.{value.path}")

    def containers(self) -> list[Container]:
        return [ChartContainer(self)]

    def gpu_requests(self, gpu: GpuResources) -> list[GpuRequest]:
        # Helm tests truthiness the way Python does, so the string "false" turns the GPU on too.
        if not self.chart.gpu_enabled.read(self.values):
            return []
        resource = self.chart.gpu_resource.read(self.values) or self.chart.gpu_resource.default
        if resource not in gpu:
            return []
        # Charts template the count with `| default`, so 0 asks for the default count, not none.
        count = gpu_count(self.chart.gpu_count.read(self.values)) or gpu_count(self.chart.gpu_count.default)
        assert count is not None, "CHART_POD_VALUES gives every chart's GPU count a default of at least 1"
        return [GpuRequest(ChartContainer(self), resource, count, source=f"values.{self.chart.gpu_enabled.path}")]

    def runtime_class(self) -> Setting:
        return self.setting(self.chart.runtime_class)

    def update_strategy(self) -> Setting:
        assert self.chart.update_strategy is not None
        strategy = self.setting(self.chart.update_strategy)
        # The chart renders `strategy` only for a non-empty type; without it Kubernetes rolls.
        if strategy.value is None or strategy.value == "":
            return Setting(KUBERNETES_DEFAULT_STRATEGY, strategy.path, defaulted=True)
        return strategy

    def node_selector(self) -> Setting:
        return self.setting(self.chart.node_selector)

    def affinity(self) -> Setting:
        return self.setting(self.chart.affinity)

    def namespace(self) -> str:
        namespace = self.props.get("namespace")
        return namespace if isinstance(namespace, str) else ""

    def chart_owned_claim(self) -> Optional[Setting]:
        if not self.chart.persistence_enabled.read(self.values):
            return None
        claim = self.setting(self.chart.existing_claim)
        return None if claim.value else claim

    def replicas(self) -> Optional[Union[int, Malformed]]:
        return pod_count(self.chart.replicas.read(self.values), self.chart.replicas.default)

    def annotations(self) -> Mapping[str, Any]:
        return mapping(self.chart.pod_annotations.read(self.values))

    def written_claims(self) -> list[str]:
        # The charts the pack knows keep only what they download there (Ollama's models).
        return []

    def rollout_surge(self, replicas: int) -> Union[int, Malformed]:
        if self.chart.max_surge is None or self.update_strategy().value != KUBERNETES_DEFAULT_STRATEGY:
            return 0
        return surge_pods(self.chart.max_surge.read(self.values), replicas)

