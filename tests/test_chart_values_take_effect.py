"""Every chart value the program writes is a key of the pinned chart, and changes what the chart renders:
it differs from the chart's own default, or the table below says why the default is pinned, and it is
read at all (a ServiceMonitor's interval while the ServiceMonitor is off is not).

The facts are tests/chart_values/<chart>-<version>.paths (every key) and .defaults (the defaults of
the keys the program writes, and which keys are read only under another's value).
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from chart_value_paths import CHART_VALUES_DIR, paths_unknown_to_chart, value_at, value_paths
from open_webui_stacks import OPEN_WEBUI_ON, OPEN_WEBUI_SECRET_KEYS
from registrations import of_type
from tree_edits import DELETE, changed_config

from offline_preview.capture import Capture, run_program

RELEASE_TYPE = "kubernetes:helm.sh/v3:Release"
TALOS_1_13 = {"gpu": {"platform": "talos-1.13"}, "comfyui.image.tag": DELETE, "comfyui.disableXformers": DELETE}
DEDICATED = [{"key": "dedicated", "value": "ai", "effect": "NoSchedule"}]
OPEN_WEBUI = {"openwebui": OPEN_WEBUI_ON}
CONFIGS: dict[str, dict[str, Any]] = {
    "homelab": {},
    "exporter": {"gpu.metrics.enabled": True},
    "exporter-monitored": {"gpu.metrics": {"enabled": True, "serviceMonitor": True, "interval": "30s"}},
    "operator-on-talos-1.12": {"gpu.plugin": "gpu-operator", "gpu.gpuOperator.version": "v25.10.1"},
    "operator-monitored": {"gpu.plugin": "gpu-operator", "gpu.gpuOperator.version": "v25.10.1",
                           "gpu.metrics": {"enabled": True, "serviceMonitor": True}},
    "talos-1.13": TALOS_1_13,
    "talos-1.13-shared-tainted": {**TALOS_1_13, "gpu": {"platform": "talos-1.13", "taints": DEDICATED,
                                                        "sharing": {"strategy": "time-slicing", "replicas": 2}}},
    "tainted": {"gpu.taints": DEDICATED, "gpu.metrics.enabled": True},
    "open-webui": OPEN_WEBUI,
    "open-webui-offline-without-images": {**OPEN_WEBUI, "openwebui.offline": True, "openwebui.images.enabled": False},
}

CONFIG_DRIVEN = "the stack's own value (config), written whatever it is"
# Values written although they equal the chart's default, and why each is pinned.
PINNED_DEFAULTS: dict[tuple[str, str], str] = {
    **{("ollama", path): CONFIG_DRIVEN for path in (
        "image.repository", "ollama.port", "service.port", "replicaCount", "ollama.gpu.number", "ollama.gpu.nvidiaResource")},
    ("ollama", "ollama.gpu.type"): "names the vendor whose toleration and resource the chart renders",
    ("ollama", "updateStrategy.type"): "a rolling update starts a second pod that waits for the GPU the first holds",
    ("ollama", "ollama.models.pull"): "the model-pull Job pulls; an empty list renders no postStart hook",
    ("ollama", "ollama.models.run"): "an empty list renders no postStart hook",
    ("ollama", "ollama.models.clean"): "true deletes every cached model not listed: never with a cache the program keeps",
    ("dcgm-exporter", "securityContext.allowPrivilegeEscalation"): "the container security context is written whole",
    ("dcgm-exporter", "securityContext.capabilities.drop"): "the container security context is written whole",
    ("dcgm-exporter", "securityContext.runAsNonRoot"): "root is stated: the kubelet's pod-resources socket is root's",
    ("dcgm-exporter", "securityContext.runAsUser"): "root is stated: the kubelet's pod-resources socket is root's",
    ("dcgm-exporter", "serviceMonitor.interval"): CONFIG_DRIVEN,
    ("gpu-operator", "dcgmExporter.serviceMonitor.interval"): CONFIG_DRIVEN,
    ("gpu-operator", "operator.runtimeClass"): CONFIG_DRIVEN,
    **{("open-webui", path): CONFIG_DRIVEN for path in ("image.repository", "replicaCount", "service.containerPort")},
    ("open-webui", "persistence.enabled"): "the chart reads existingClaim only while it is on",
}


def chart_defaults(chart: str, version: str) -> tuple[dict[str, Any], dict[str, tuple[str, Any]]]:
    """(path -> default, path -> (the path it is read under, that path's value)) of one chart version."""
    defaults: dict[str, Any] = {}
    conditions: dict[str, tuple[str, Any]] = {}
    for line in (CHART_VALUES_DIR / f"{chart}-{version}.defaults").read_text().splitlines():
        if not line or line.startswith("#"):
            continue
        if line.startswith("when "):
            path, _, rest = line[len("when "):].partition(": ")
            other, _, value = rest.partition(" = ")
            conditions[path] = (other, json.loads(value))
        else:
            path, _, value = line.partition(" = ")
            defaults[path] = json.loads(value)
    return defaults, conditions


def releases(capture: Capture) -> list[tuple[str, str, dict[str, Any]]]:
    return [(r.inputs["chart"], r.inputs["version"], r.inputs["values"]) for r in of_type(capture, RELEASE_TYPE)]


@pytest.fixture(scope="module", params=list(CONFIGS), ids=list(CONFIGS))
def registered(request, homelab_config) -> Capture:
    capture = run_program(changed_config(homelab_config, CONFIGS[request.param]), secret_keys=OPEN_WEBUI_SECRET_KEYS)
    assert capture.error is None, capture.error
    return capture


def test_every_value_the_program_writes_is_a_key_of_its_pinned_chart(registered: Capture):
    assert [(chart, version, paths_unknown_to_chart(values, chart, version))
            for chart, version, values in releases(registered)
            if paths_unknown_to_chart(values, chart, version)] == []


def test_every_value_the_program_writes_changes_what_the_chart_renders(registered: Capture):
    no_effect = []
    for chart, version, values in releases(registered):
        defaults, conditions = chart_defaults(chart, version)
        for path in value_paths(values):
            written = value_at(values, path, None)
            if path in conditions:
                other, needed = conditions[path]
                if value_at(values, other, defaults.get(other)) != needed:
                    no_effect.append((chart, path, f"unread while {other} is not {needed!r}"))
            if path in defaults and written == defaults[path] and (chart, path) not in PINNED_DEFAULTS:
                no_effect.append((chart, path, f"the chart's default {written!r}"))
    assert no_effect == []


def test_the_pinned_defaults_are_still_the_charts_defaults():
    """A reason for pinning a default holds only while the chart's default is that value."""
    written_anywhere = {(chart, path) for chart, version in (
        ("ollama", "1.41.0"), ("dcgm-exporter", "4.8.2"), ("gpu-operator", "v25.10.1"), ("gpu-operator", "v26.3.3"),
        ("open-webui", "16.0.0"))
        for path in chart_defaults(chart, version)[0]}
    assert set(PINNED_DEFAULTS) - written_anywhere == set()


def test_the_talos_1_13_pods_rely_on_the_operators_cdi_default():
    """GPU pods on talos-1.13 name no runtime class: they need CDI on, which the pinned chart's default is."""
    defaults, _ = chart_defaults("gpu-operator", "v26.3.3")
    assert defaults["cdi.enabled"] is True
