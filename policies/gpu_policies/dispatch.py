"""Which resources carry pods, and which route outside traffic in."""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Any, Optional

from .charts import CHART_POD_VALUES, ChartPod, chart_name
from .manifests import POD_SPEC_PATHS, WORKLOAD_GROUPS, ManifestPod
from .protocol import PodTemplate

RELEASE_TYPE = "kubernetes:helm.sh/v3:Release"
PVC_TYPE = "kubernetes:core/v1:PersistentVolumeClaim"
NETWORK_POLICY_TYPE = "kubernetes:networking.k8s.io/v1:NetworkPolicy"
# Kinds that bring outside traffic into a namespace, by the API groups that define them.
ROUTE_KINDS: Mapping[str, frozenset[str]] = MappingProxyType({
    "Ingress": frozenset({"networking.k8s.io", "extensions"}),
    "HTTPRoute": frozenset({"gateway.networking.k8s.io"}),
    "GRPCRoute": frozenset({"gateway.networking.k8s.io"}),
})


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


def route_kind(resource_type: str) -> Optional[str]:
    """"Ingress" or "HTTPRoute" (any version) for a resource that routes outside traffic in, else None."""
    package, _, rest = resource_type.partition(":")
    module, _, kind = rest.partition(":")
    groups = ROUTE_KINDS.get(kind)
    return kind if package == "kubernetes" and groups and module.split("/")[0] in groups else None

