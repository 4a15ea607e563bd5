"""The pack's validators as plain functions, without the SDK in between."""

from __future__ import annotations

from decimal import Decimal

import pytest
from policy_corpus import TYPES, manifest, pod_spec, release

from gpu_policies.charts import ChartValue
from gpu_policies.config import OPTIONS, Settings
from gpu_policies.dispatch import pod_template
from gpu_policies.names import ALLOWED_RUNTIME_CLASSES, GPU_RESOURCE_PREFIXES
from gpu_policies.pod_rules import runtime_class_violations, update_strategy_violations
from gpu_policies.protocol import GpuResources
from gpu_policies.readers import Malformed, gpu_count, image_tag

DEFAULT = Settings.read({})


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("1", Decimal(1)),
        (1, Decimal(1)),
        (1.0, Decimal(1)),
        ("2", Decimal(2)),
        (" 3 ", Decimal(3)),
        ("0", None),
        (0, None),
        (0.0, None),
        ("-1", None),
        (-2, None),
        ("one", None),
        ("1Gi", None),
        ("", None),
        ("1e3", Decimal(1000)),
        ("2.5E0", Decimal("2.5")),
        ("NaN", Malformed("NaN")),
        ("Infinity", Malformed("Infinity")),
        ("-inf", Malformed("-inf")),
        (float("inf"), Malformed("inf")),
        (float("nan"), Malformed("nan")),
        ("1e999999999", Malformed("1e999999999")),
        ("1e99999999999999999999", Malformed("1e99999999999999999999")),
        ("1e-999999999", Malformed("1e-999999999")),
        (1e300, Malformed("1e+300")),
        ("0e999999999", None),
        (True, None),
        (None, None),
        ([1], None),
        ({"count": 1}, None),
    ],
)
def test_gpu_count_reads_strings_and_numbers_and_nothing_else(value, expected):
    assert gpu_count(value) == expected


@pytest.mark.parametrize(
    ("reference", "tag"),
    [
        ("ollama/ollama:0.17.1", "0.17.1"),
        ("ollama/ollama:latest", "latest"),
        ("ollama/ollama", ""),
        ("registry.lan:5000/team/app", ""),
        ("registry.lan:5000/team/app:2.1", "2.1"),
        ("ollama/ollama@sha256:" + "a" * 64, None),
        ("ollama/ollama:0.17.1@sha256:" + "a" * 64, None),
        ("", None),
        (5, None),
        (None, None),
    ],
)
def test_image_tag_tells_a_port_from_a_tag_and_trusts_digests(reference, tag):
    assert image_tag(reference) == tag


def test_gpu_resources_match_names_and_prefixes_only():
    gpu = GpuResources(("nvidia.com/gpu",), ("nvidia.com/mig-",))

    assert "nvidia.com/gpu" in gpu
    assert "nvidia.com/mig-3g.20gb" in gpu
    assert "nvidia.com/gpu.shared" not in gpu
    assert "amd.com/gpu" not in gpu
    assert 1 not in gpu


@pytest.mark.parametrize(
    ("values", "read"),
    [
        ({}, "Recreate"),
        ({"updateStrategy": {}}, "Recreate"),
        ({"updateStrategy": {"type": "RollingUpdate"}}, "RollingUpdate"),
        ({"updateStrategy": {"type": None}}, None),
        ({"updateStrategy": None}, None),
        ({"updateStrategy": "RollingUpdate"}, "Recreate"),
    ],
)
def test_chart_value_falls_back_to_the_chart_default_unless_nulled(values, read):
    assert ChartValue("updateStrategy.type", "Recreate").read(values) == read


@pytest.mark.parametrize(
    "config",
    [
        {"allowedRuntimeClasses": []},
        {"allowedRuntimeClasses": "nvidia"},
        {"allowedRuntimeClasses": ["nvidia", ""]},
        {"allowedRuntimeClasses": [1]},
        {"allowedRuntimeClasses": None},
    ],
)
def test_config_the_schema_would_reject_reads_as_the_default(config):
    assert OPTIONS[ALLOWED_RUNTIME_CLASSES].read(config) == ("nvidia",)


def test_empty_prefix_list_is_a_valid_choice():
    assert OPTIONS[GPU_RESOURCE_PREFIXES].read({GPU_RESOURCE_PREFIXES: []}) == ()


@pytest.mark.parametrize(
    "resource_type",
    [
        "kubernetes:apps/v1:DeploymentPatch",
        "kubernetes:example.com/v1:Deployment",
        "kubernetes:core/v1:Service",
        "kubernetes:helm.sh/v4:Chart",
        "aws:ecs/service:Service",
    ],
)
def test_resources_without_a_readable_pod_template_are_skipped(resource_type):
    assert pod_template(resource_type, "app", manifest("Deployment", pod_spec())) is None


def test_runtime_class_rule_reads_a_release_like_a_deployment():
    deployment = pod_template(TYPES["Deployment"], "app", manifest("Deployment", pod_spec(runtimeClassName="runc")))
    chart = pod_template("kubernetes:helm.sh/v3:Release", "ollama", release(runtimeClassName="runc"))
    assert deployment is not None and chart is not None

    assert runtime_class_violations(deployment, DEFAULT.gpu, DEFAULT.runtime_classes) == [
        "Deployment 'app': container 'app' asks for nvidia.com/gpu: 1 but runtimeClassName is 'runc'; "
        "set spec.template.spec.runtimeClassName: nvidia."
    ]
    assert runtime_class_violations(chart, DEFAULT.gpu, DEFAULT.runtime_classes) == [
        "Release 'ollama' (chart ollama): container 'ollama' asks for nvidia.com/gpu: 1 (values.ollama.gpu.enabled) "
        "but runtimeClassName is 'runc'; set values.runtimeClassName: nvidia."
    ]


def test_strategy_rule_applies_to_deployments_only():
    for kind in ("StatefulSet", "DaemonSet", "Job", "Pod"):
        pod = pod_template(TYPES[kind], "app", manifest(kind, pod_spec()))
        assert pod is not None and update_strategy_violations(pod, DEFAULT.gpu) == [], kind
