"""GPU metrics: the pinned dcgm-exporter chart beside the device plugin, or the GPU Operator's exporter, with
basic DCGM fields only and no GPU taken from the apps."""

from __future__ import annotations

import json

import pytest
from chart_value_paths import paths_unknown_to_chart
from policy_corpus import apart_from_unbacked_comfyui
from registrations import named, names, urn_of
from tree_edits import changed_config

from offline_preview.capture import Capture, run_program
from offline_preview.preview import analyzer_resources
from policy_pack_config import policy_pack_config
from stack_config import ConfigError, parse_stack_config
from stack_config.stack_files import parse_stack_file_config

METRICS_ON = {"gpu.metrics": {"enabled": True}}
OPERATOR = {"gpu.plugin": "gpu-operator", "gpu.namespace": "", "gpu.sharing": {"strategy": "exclusive"}}


@pytest.fixture(scope="module")
def with_exporter(homelab_config) -> Capture:
    capture = run_program(changed_config(homelab_config, METRICS_ON))
    assert capture.error is None, capture.error
    return capture


def test_the_homelab_stack_runs_no_exporter_until_asked(homelab: Capture):
    assert "gpu-dcgm-exporter" not in names(homelab)


def test_device_plugin_mode_runs_the_pinned_exporter_chart_on_the_gpu_node(with_exporter: Capture):
    release = named(with_exporter, "gpu-dcgm-exporter")
    inputs = release.inputs
    assert (inputs["name"], inputs["chart"], inputs["version"], inputs["namespace"]) == (
        "dcgm-exporter", "dcgm-exporter", "4.8.2", "nvidia-device-plugin")
    assert inputs["repositoryOpts"] == {"repo": "https://nvidia.github.io/dcgm-exporter/helm-charts"}
    assert release.parent == urn_of(with_exporter, "gpu")
    assert urn_of(with_exporter, "gpu-runtime-class") in release.dependencies
    # The plumbing's first-install time, as the plugin's Release has, not Helm's 300 s.
    assert inputs["timeout"] == named(with_exporter, "gpu-device-plugin").inputs["timeout"] == 900
    values = inputs["values"]
    assert values["runtimeClassName"] == "nvidia"
    assert values["nodeSelector"] == {"nvidia.com/gpu.present": "true"}
    assert {"key": "nvidia.com/gpu", "operator": "Exists", "effect": "NoSchedule"} in values["tolerations"]
    # Off by default in the stack, on by default in the chart: it needs the Prometheus Operator's CRDs.
    # Its interval is written only when it is read, with the ServiceMonitor on.
    assert values["serviceMonitor"] == {"enabled": False}


def test_every_exporter_value_key_exists_in_the_pinned_chart(with_exporter: Capture):
    values = named(with_exporter, "gpu-dcgm-exporter").inputs["values"]
    assert paths_unknown_to_chart(values, "dcgm-exporter", "4.8.2") == []


def test_exporter_reads_only_basic_fields_that_geforce_cards_support(with_exporter: Capture):
    values = named(with_exporter, "gpu-dcgm-exporter").inputs["values"]
    fields = [line.split(",")[0] for line in values["customMetrics"].splitlines() if line and not line.startswith("#")]
    assert "DCGM_FI_DEV_GPU_UTIL" in fields and "DCGM_FI_DEV_FB_USED" in fields and "DCGM_FI_DEV_POWER_USAGE" in fields
    assert [f for f in fields if f.startswith("DCGM_FI_PROF_")] == []
    # Without profiling fields the chart's SYS_ADMIN is not needed; only an empty list replaces it.
    assert values["securityContext"]["capabilities"] == {"add": [], "drop": ["ALL"]}


def test_exporter_takes_no_gpu_slice_from_the_apps(with_exporter: Capture):
    """The chart's DaemonSet (templates/daemonset.yaml at 4.8.2) has only `resources` from values, and
    the image's NVIDIA_VISIBLE_DEVICES=all gets it the card through the runtime class."""
    values = named(with_exporter, "gpu-dcgm-exporter").inputs["values"]
    assert "nvidia.com/gpu" not in json.dumps(values.get("resources", {}))
    assert with_exporter.outputs["gpuHolders"] == ["ollama", "comfyui"]
    assert with_exporter.outputs["gpuCapacity"] == 2


def test_service_monitor_only_when_asked(run_with):
    capture = run_with({"gpu.metrics": {"enabled": True, "serviceMonitor": True, "interval": "30s"}})
    assert capture.error is None
    assert named(capture, "gpu-dcgm-exporter").inputs["values"]["serviceMonitor"] == {"interval": "30s"}


def test_the_pack_passes_the_stack_with_its_exporter(engine, with_exporter: Capture, homelab_config):
    resources = analyzer_resources(with_exporter)
    engine.configure(policy_pack_config(parse_stack_file_config(changed_config(homelab_config, METRICS_ON))))
    diagnostics = [d for resource in resources for d in engine.analyze_resource(resource)]
    diagnostics += engine.analyze_stack(resources)
    assert apart_from_unbacked_comfyui(diagnostics) == []


def test_operator_mode_turns_its_own_exporter_on_with_basic_fields(run_with):
    capture = run_with({**OPERATOR, "gpu.metrics": {"enabled": True, "serviceMonitor": True}})
    assert capture.error is None
    values = named(capture, "gpu-gpu-operator").inputs["values"]
    exporter = values["dcgmExporter"]
    # The chart's exporter is on unless told otherwise (values.yaml `dcgmExporter.enabled: true`).
    assert "enabled" not in exporter
    assert (exporter["config"]["name"], exporter["config"]["create"]) == ("dcgm-basic-metrics", True)
    assert "DCGM_FI_PROF_" not in exporter["config"]["data"] and "DCGM_FI_DEV_GPU_UTIL" in exporter["config"]["data"]
    assert exporter["serviceMonitor"] == {"enabled": True, "interval": "15s"}
    assert paths_unknown_to_chart(values, "gpu-operator", "v25.10.1") == []
    assert "gpu-dcgm-exporter" not in names(capture)


def test_operator_mode_without_metrics_turns_the_charts_default_exporter_off(run_with):
    capture = run_with(OPERATOR)
    assert named(capture, "gpu-gpu-operator").inputs["values"]["dcgmExporter"] == {"enabled": False}


@pytest.mark.parametrize("gpu, key, words", [
    ({"metrics": {"serviceMonitor": True}}, "gpu.metrics.serviceMonitor", "false while gpu.metrics.enabled is false"),
    ({"plugin": "none", "metrics": {"enabled": True}}, "gpu.metrics.enabled", "false while gpu.plugin is 'none'"),
    ({"metrics": {"enabled": True, "interval": "5s"}}, "gpu.metrics.interval", "at least 10s"),
    ({"metrics": {"enabled": "yes"}}, "gpu.metrics.enabled", "true or false"),
    ({"metrics": {"dcgmExporter": {"version": "latest"}}}, "gpu.metrics.dcgmExporter.version", "chart version"),
], ids=lambda case: json.dumps(case)[:48])
def test_metrics_config_refuses_what_cannot_run(gpu, key, words):
    with pytest.raises(ConfigError) as raised:
        parse_stack_config({"gpu": gpu})
    problems = {p.key: p.accepted for p in raised.value.problems}
    assert words in problems[key]
