"""Where a resource keeps its pods, read the way the policy SDK hands resources over.

The SDK wraps a resource's inputs in proxies that are ``collections.abc`` Mappings and Sequences
but not dicts and lists, so every check here is against the abstract types. A malformed resource
(no spec, null containers, a value of the wrong type) reads as absent: it is the API server's to
reject, never a violation and never an exception. The one exception to "absent" is a number no one
can count where a count belongs (NaN, an infinity, "1e999999999"): it is `Malformed`, and the
capacity policy reports it. A value still unknown during preview raises the
SDK's ``UnknownValueError`` when it is read; the SDK reports that as an advisory "can't run policy
during preview", so each reader touches only the values its question needs.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_CEILING, Decimal, InvalidOperation
from types import MappingProxyType
from typing import Any, Optional, Protocol, Union

EMPTY: Mapping[str, Any] = MappingProxyType({})

RELEASE_TYPE = "kubernetes:helm.sh/v3:Release"
PVC_TYPE = "kubernetes:core/v1:PersistentVolumeClaim"
NETWORK_POLICY_TYPE = "kubernetes:networking.k8s.io/v1:NetworkPolicy"
# Where the homelab-ai program says who answers for access to an app it exposes.
ACCESS_ANNOTATION = "homelab-ai/access"
# Kinds that bring outside traffic into a namespace, by the API groups that define them.
ROUTE_KINDS: Mapping[str, frozenset[str]] = MappingProxyType({
    "Ingress": frozenset({"networking.k8s.io", "extensions"}),
    "HTTPRoute": frozenset({"gateway.networking.k8s.io"}),
    "GRPCRoute": frozenset({"gateway.networking.k8s.io"}),
})

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

# With no strategy written, Kubernetes rolls a Deployment out with RollingUpdate (25% surge),
# which starts the new pod before the old one has let go of its GPU.
KUBERNETES_DEFAULT_STRATEGY = "RollingUpdate"
KUBERNETES_DEFAULT_MAX_SURGE = "25%"

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


def mapping(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else EMPTY


def sequence(value: Any) -> Sequence[Any]:
    # A string is a Sequence too, but never one of containers or terms.
    return value if isinstance(value, Sequence) and not isinstance(value, (str, bytes)) else ()


def dig(node: Any, path: Sequence[str]) -> Any:
    """The value at ``path`` below ``node``, or None where a part is missing or not a mapping."""
    for key in path:
        node = mapping(node).get(key)
    return node


def has_key(node: Mapping[str, Any], key: str) -> bool:
    """Whether ``key`` is written, without reading its value: a value unknown during preview is still written."""
    return any(written == key for written in node)


# Messages quote what a resource says, cut to this many characters: a name or value is the user's,
# and any length of it must still give a diagnostic one can read.
QUOTE_LIMIT = 80


def shown(value: Any) -> str:
    """A value from a resource as a message quotes it, cut to QUOTE_LIMIT characters."""
    text = value if isinstance(value, str) else repr(value)
    return text if len(text) <= QUOTE_LIMIT else text[: QUOTE_LIMIT - 1] + "…"


@dataclass(frozen=True)
class Malformed:
    """A number written where a count belongs that no one can count: NaN, an infinity, or a size
    outside COUNT_DIGITS. Policies that count report it; nothing does arithmetic with it."""

    written: str

    def __str__(self) -> str:
        return f"'{shown(self.written)}'"


# Counts here are GPUs, pods and percentages: a number with more than 18 digits before the point,
# or a nonzero one smaller than 1e-9, is none of these. Past these bounds a Decimal still parses
# ("1e999999999"), and every sum, product or rounding with it overflows.
COUNT_DIGITS = range(-9, 19)
NUMBER = re.compile(r"[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")
NON_FINITE = re.compile(r"[+-]?(?:s?nan[0-9]*|inf|infinity)", re.IGNORECASE)

Count = Union[Decimal, Malformed]


def number(value: Any) -> Optional[Count]:
    """A count as written: a Decimal within COUNT_DIGITS, Malformed for a number outside them, None for no number.

    Manifests write quantities as strings ("1", "1e3"), the engine hands numbers over as floats
    (1.0); booleans and other strings are no number at all.
    """
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        return None
    if isinstance(value, float) and not math.isfinite(value):
        return Malformed(repr(value))
    if isinstance(value, str):
        text = value.strip()
        if NON_FINITE.fullmatch(text):
            return Malformed(value)
        if not NUMBER.fullmatch(text):
            return None
        try:
            count = Decimal(text)
        except InvalidOperation:
            # An exponent too long for the decimal module itself.
            return Malformed(value)
    else:
        count = Decimal(value)
    if count == 0:
        return Decimal(0)
    return count if count.adjusted() in COUNT_DIGITS else Malformed(value if isinstance(value, str) else repr(value))


def gpu_count(value: Any) -> Optional[Count]:
    """How many GPUs a limit or request asks for; None when it asks for none (zero, negative, no number).

    A number no one can count is Malformed: the pod still asks for a GPU, and the capacity policy
    reports the value.
    """
    count = number(value)
    if isinstance(count, Decimal) and count <= 0:
        return None
    return count


def pod_count(value: Any, default: int) -> Optional[Union[int, Malformed]]:
    """A replica or parallelism count: ``default`` when unset, None when it is no count at all."""
    if value is None:
        return default
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    count = number(value)
    if isinstance(count, Malformed):
        return count
    if count is None or count < 0 or count != count.to_integral_value():
        return None
    return int(count)


def surge_pods(max_surge: Any, replicas: int) -> Union[int, Malformed]:
    """Extra pods a rolling update starts: maxSurge as a count, or a percentage of replicas rounded up."""
    if replicas == 0:
        return 0
    if isinstance(max_surge, str) and max_surge.endswith("%"):
        percent = number(max_surge[:-1])
        if isinstance(percent, Malformed):
            return Malformed(max_surge)
        if percent is None or percent <= 0:
            return 0
        return int((percent * replicas / 100).to_integral_value(rounding=ROUND_CEILING))
    count = pod_count(max_surge, 0)
    return count or 0


def image_tag(reference: Any) -> Optional[str]:
    """The tag of an image reference: "" when it has none, None when a digest pins it or it is no reference.

    Only the last path component can carry the tag: in `registry:5000/app` the colon is a port.
    """
    if not isinstance(reference, str) or not reference.strip():
        return None
    if "@" in reference:
        return None
    _, colon, tag = reference.rsplit("/", 1)[-1].partition(":")
    return tag if colon else ""


def metadata_namespace(props: Mapping[str, Any]) -> str:
    """A Kubernetes object's namespace; "" stands for the provider's default namespace."""
    namespace = dig(props, ("metadata", "namespace"))
    return namespace if isinstance(namespace, str) else ""


@dataclass(frozen=True)
class GpuResources:
    """Which extended resources count as a GPU."""

    names: tuple[str, ...]
    prefixes: tuple[str, ...]

    def __contains__(self, resource: object) -> bool:
        return isinstance(resource, str) and (resource in self.names or resource.startswith(self.prefixes))


@dataclass(frozen=True)
class Setting:
    """A value a policy reads, and where in the resource's inputs a fix writes it."""

    value: Any
    path: str
    defaulted: bool = False
    """True when nothing is written and ``value`` is what Kubernetes or the chart defaults to."""


class Container(Protocol):
    @property
    def name(self) -> str: ...

    @property
    def init(self) -> bool: ...

    @property
    def resources(self) -> Setting: ...

    def image_tag(self) -> Setting: ...


class PodTemplate(Protocol):
    """One pod template, whatever the resource that carries it."""

    @property
    def label(self) -> str: ...

    @property
    def has_update_strategy(self) -> bool: ...

    def containers(self) -> list[Container]: ...
    def gpu_requests(self, gpu: GpuResources) -> list[GpuRequest]: ...
    def runtime_class(self) -> Setting: ...
    def update_strategy(self) -> Setting: ...
    def node_selector(self) -> Setting: ...
    def affinity(self) -> Setting: ...
    def namespace(self) -> str: ...
    def chart_owned_claim(self) -> Optional[Setting]: ...
    def replicas(self) -> Optional[Union[int, Malformed]]: ...
    def rollout_surge(self, replicas: int) -> Union[int, Malformed]: ...


def gpus_per_pod(requests: Sequence[GpuRequest]) -> Decimal:
    """What the scheduler reserves for one pod: init containers run one at a time before the
    others, so a pod needs the larger of its biggest init container and all its containers together.
    A Malformed count reserves nothing; the capacity policy reports it."""
    counts = [(r.container.init, r.count) for r in requests if isinstance(r.count, Decimal)]
    init = max((count for is_init, count in counts if is_init), default=Decimal(0))
    return max(init, sum((count for is_init, count in counts if not is_init), Decimal(0)))


@dataclass(frozen=True)
class GpuRequest:
    container: Container
    resource: str
    count: Count
    source: str = ""
    """The value that asks, when it is not the container's own resources (a chart's values)."""

    def __str__(self) -> str:
        count = f"{self.count.normalize():f}" if isinstance(self.count, Decimal) else str(self.count)
        text = f"container '{shown(self.container.name)}' asks for {shown(self.resource)}: {count}"
        return f"{text} ({self.source})" if self.source else text


# --- pods written as Kubernetes objects ---


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


# --- pods a Helm release renders from its values ---


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

    def rollout_surge(self, replicas: int) -> Union[int, Malformed]:
        if self.chart.max_surge is None or self.update_strategy().value != KUBERNETES_DEFAULT_STRATEGY:
            return 0
        return surge_pods(self.chart.max_surge.read(self.values), replicas)


def route_kind(resource_type: str) -> Optional[str]:
    """"Ingress" or "HTTPRoute" (any version) for a resource that routes outside traffic in, else None."""
    package, _, rest = resource_type.partition(":")
    module, _, kind = rest.partition(":")
    groups = ROUTE_KINDS.get(kind)
    return kind if package == "kubernetes" and groups and module.split("/")[0] in groups else None


# --- which resources carry pods ---


def pod_template(resource_type: str, name: str, props: Mapping[str, Any]) -> Optional[PodTemplate]:
    """The pod template a resource carries, or None when it carries none this pack can read."""
    package, _, rest = resource_type.partition(":")
    module, _, kind = rest.partition(":")
    if package != "kubernetes":
        return None
    if resource_type == RELEASE_TYPE:
        chart_id = chart_name(props.get("chart"))
        chart = CHART_POD_VALUES.get(chart_id)
        return ChartPod(chart_id, name, props, chart) if chart else None
    spec_path = POD_SPEC_PATHS.get(kind)
    if spec_path and module.split("/")[0] in WORKLOAD_GROUPS:
        return ManifestPod(kind, name, props, spec_path)
    return None
