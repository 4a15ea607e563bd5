"""What every rule reads from a pod template, whatever carries it: a Kubernetes object
(`manifests`) or the values of a Helm chart the pack knows (`charts`)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Optional, Protocol, Union

from .readers import Amount, Malformed, sequence, shown

# With no strategy written, Kubernetes rolls a Deployment out with RollingUpdate (25% surge),
# which starts the new pod before the old one has let go of its GPU.
KUBERNETES_DEFAULT_STRATEGY = "RollingUpdate"
KUBERNETES_DEFAULT_MAX_SURGE = "25%"


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

    def env(self) -> Mapping[str, Any]:
        """The container's environment variables set to a value, by name (valueFrom entries left out)."""
        ...


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
    def annotations(self) -> Mapping[str, Any]: ...
    def written_claims(self) -> list[str]:
        """The claims its containers mount writable, where the workload may keep what it makes."""
        ...
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
    count: Amount
    source: str = ""
    """The value that asks, when it is not the container's own resources (a chart's values)."""

    def __str__(self) -> str:
        count = f"{self.count.normalize():f}" if isinstance(self.count, Decimal) else str(self.count)
        text = f"container '{shown(self.container.name)}' asks for {shown(self.resource)}: {count}"
        return f"{text} ({self.source})" if self.source else text



def literal_env(entries: Any) -> Mapping[str, Any]:
    """A container's `env` list as name -> value, the entries with a literal value only."""
    return {entry["name"]: entry["value"] for entry in sequence(entries)
            if isinstance(entry, Mapping) and isinstance(entry.get("name"), str) and "value" in entry}
