"""Which value path each GPU DaemonSet (and the Ollama pod) of a pinned chart takes its tolerations
from, and the chart's own list when the program leaves it unset.

Facts read from the charts' templates and values.yaml, and checked with `helm template` over the
values the program registers (with `gpu.taints: [{key: dedicated, value: ai, effect: NoSchedule}]`):

- nvidia-device-plugin 0.17.4: templates/daemonset-device-plugin.yml and daemonset-gfd.yml render
  `.Values.tolerations`; the NFD 0.15.3 subchart's worker DaemonSet renders `nfd.worker.tolerations`.
- dcgm-exporter 4.8.2: templates/daemonset.yaml renders `.Values.tolerations`.
- gpu-operator v25.10.1 to v26.3.3: templates/clusterpolicy.yaml hands `daemonsets.tolerations` to
  every operand DaemonSet the operator creates (device plugin, GFD, DCGM exporter, validator); the
  NFD subchart's worker renders `node-feature-discovery.worker.tolerations`.
- ollama 1.41.0: templates/deployment.yaml, with `ollama.gpu.enabled` and type nvidia, renders
  `{key: <ollama.gpu.nvidiaResource>, operator: Exists, effect: NoSchedule}` followed by `.Values.tolerations`.
"""

from __future__ import annotations

from typing import Any

from chart_value_paths import value_at

GPU_EXISTS = {"key": "nvidia.com/gpu", "operator": "Exists", "effect": "NoSchedule"}

# (chart, version) -> DaemonSet -> (value path, the chart's default list)
DAEMONSET_TOLERATIONS: dict[tuple[str, str], dict[str, tuple[str, list[dict[str, str]]]]] = {
    ("nvidia-device-plugin", "0.17.4"): {
        "nvidia-device-plugin": ("tolerations", [{"key": "CriticalAddonsOnly", "operator": "Exists"}, GPU_EXISTS]),
        "gpu-feature-discovery": ("tolerations", [{"key": "CriticalAddonsOnly", "operator": "Exists"}, GPU_EXISTS]),
        "node-feature-discovery-worker": ("nfd.worker.tolerations", [
            {"key": "node-role.kubernetes.io/master", "operator": "Equal", "value": "", "effect": "NoSchedule"},
            {"key": "nvidia.com/gpu", "operator": "Equal", "value": "present", "effect": "NoSchedule"}]),
    },
    ("dcgm-exporter", "4.8.2"): {
        "dcgm-exporter": ("tolerations", [
            {"key": "node-role.kubernetes.io/control-plane", "operator": "Exists", "effect": "NoSchedule"}]),
    },
    **{("gpu-operator", version): {
        "operands": ("daemonsets.tolerations", [GPU_EXISTS]),
        "node-feature-discovery-worker": ("node-feature-discovery.worker.tolerations", [
            {"key": "node-role.kubernetes.io/control-plane", "operator": "Equal", "value": "", "effect": "NoSchedule"},
            GPU_EXISTS]),
    } for version in ("v25.10.1", "v26.3.3")},
}


def rendered_tolerations(chart: str, version: str, values: dict[str, Any]) -> dict[str, list[dict[str, str]]]:
    """Each GPU DaemonSet's tolerations as the chart renders them: Helm replaces a list value whole."""
    rendered = {}
    for daemonset, (path, default) in DAEMONSET_TOLERATIONS[(chart, version)].items():
        given = value_at(values, path)
        rendered[daemonset] = default if given is None else given
    return rendered


def ollama_pod_tolerations(values: dict[str, Any]) -> list[dict[str, str]]:
    gpu = values["ollama"]["gpu"]
    own = [{"key": gpu.get("nvidiaResource") or "nvidia.com/gpu", "operator": "Exists", "effect": "NoSchedule"}] if gpu["enabled"] else []
    return own + list(values.get("tolerations") or [])


def tolerates(tolerations: list[dict[str, str]], taint: dict[str, str]) -> bool:
    """Kubernetes' rule (k8s.io/api core/v1 toleration.go ToleratesTaint): key, effect, then Exists or an equal value."""
    for toleration in tolerations:
        if toleration.get("effect") and toleration["effect"] != taint["effect"]:
            continue
        if toleration.get("key") and toleration["key"] != taint["key"]:
            continue
        operator = toleration.get("operator", "Equal")
        if operator == "Exists" or (operator == "Equal" and toleration.get("value", "") == taint.get("value", "")):
            return True
    return False
