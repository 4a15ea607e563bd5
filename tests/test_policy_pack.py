"""The policy pack as `pulumi preview --policy-pack policies` runs it: its own process, spoken to
over the Analyzer protocol, fed the homelab stack's own resources and the corpus."""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

import pytest
import yaml
from analyzer_inputs import analyze, resource
from google.protobuf import json_format
from policy_corpus import (
    CORPUS,
    DEFAULT_LEVELS,
    DELETE,
    GPU_NODE_PINNING,
    IMMUTABLE_IMAGES,
    PROTECTED_CLAIMS,
    PVC,
    RECREATE_STRATEGY,
    RELEASE,
    RESOURCE_POLICIES,
    RUNTIME_CLASS,
    STACK_CORPUS,
    STACK_POLICIES,
    TYPES,
    Case,
    StackCase,
    apart_from_unbacked_comfyui,
    changed,
    container,
    pod_spec,
    release,
    workload,
)
from pulumi.runtime.proto import analyzer_pb2

from offline_preview.capture import Capture
from offline_preview.engine import POLICY_PACK_DIR, Diagnostic, PolicyEngine, Resource, struct
from offline_preview.preview import analyzer_resources
from policy_pack_config import policy_pack_config
from stack_config.stack_files import read_stack_file


def analyze_case(engine: PolicyEngine, case: Case) -> list[Diagnostic]:
    return analyze(engine, case.type, "app", case.props)


# --- the pack as the CLI loads it ---


def test_pack_announces_its_policies_and_their_enforcement_levels(engine):
    info = engine.info()

    assert info.name == "homelab-ai-gpu"
    assert info.supportsConfig
    levels = {
        policy.name: analyzer_pb2.EnforcementLevel.Name(policy.enforcementLevel).lower() for policy in info.policies
    }
    assert levels == DEFAULT_LEVELS
    types = {policy.name: analyzer_pb2.PolicyType.Name(policy.policy_type) for policy in info.policies}
    assert types == {
        name: "POLICY_TYPE_STACK" if name in STACK_POLICIES else "POLICY_TYPE_RESOURCE" for name in DEFAULT_LEVELS
    }


def test_every_policy_declares_camel_case_config_with_json_types_and_defaults(engine):
    schemas = {
        policy.name: json_format.MessageToDict(policy.configSchema.properties) for policy in engine.info().policies
    }

    for name, properties in schemas.items():
        if name != IMMUTABLE_IMAGES:
            assert {"gpuResourceNames", "gpuResourcePrefixes"} <= properties.keys(), name
        for key, schema in properties.items():
            assert re.fullmatch(r"[a-z][a-zA-Z0-9]*", key), key
            if key in {"gpus", "replicasPerGpu"}:
                assert schema["type"] == "integer" and schema["minimum"] == 1 and schema["default"] == 1
                continue
            if key in {"gpuMemory", "vramSlack"}:
                # Bytes: gpuMemory unknown (0) until the stack states it, one GiB of slack.
                assert schema["type"] == "integer" and schema["minimum"] == 0, (name, key)
                assert schema["default"] == {"gpuMemory": 0, "vramSlack": 2**30}[key], (name, key)
                continue
            if (name, key) == (RUNTIME_CLASS, "cdiInjection"):
                assert schema["type"] == "boolean" and schema["default"] is False
                continue
            assert schema["type"] == "array", (name, key)
            assert schema["items"] == {"type": "string", "minLength": 1}, (name, key)
            assert isinstance(schema["default"], list), (name, key)
    assert schemas[RUNTIME_CLASS]["allowedRuntimeClasses"]["default"] == ["nvidia"]
    assert schemas[RUNTIME_CLASS]["gpuResourceNames"]["default"] == ["nvidia.com/gpu"]
    assert schemas[RUNTIME_CLASS]["gpuResourcePrefixes"]["default"] == ["nvidia.com/mig-"]
    assert schemas[GPU_NODE_PINNING]["gpuNodeLabels"]["default"] == [
        "nvidia.com/gpu.present", "feature.node.kubernetes.io/pci-10de.present", "nvidia.com/gpu.count",
        "nvidia.com/gpu.product"]
    assert schemas[IMMUTABLE_IMAGES]["mutableTags"]["default"] == ["latest"]


def test_policy_project_file_names_the_pack_the_engine_sees(engine):
    project = yaml.safe_load((POLICY_PACK_DIR / "PulumiPolicy.yaml").read_text())

    assert project["name"] == engine.info().name
    assert re.fullmatch(r"\d+\.\d+\.\d+", project["version"])
    assert project["description"]
    assert project["runtime"]["name"] == "python"


def test_pack_starts_from_another_directory_given_its_path(tmp_path: Path):
    with PolicyEngine(program=str(POLICY_PACK_DIR), cwd=tmp_path) as engine:
        assert engine.info().name == "homelab-ai-gpu"


# --- the homelab stack, as the program registers it ---


@pytest.fixture(scope="module")
def homelab_resources(homelab: Capture) -> list[Resource]:
    """Every resource the homelab program registers, as the engine hands it to the pack: inputs Struct untouched."""
    return analyzer_resources(homelab)


@pytest.fixture(scope="module")
def homelab_diagnostics(policy_pack, homelab_resources) -> list[Diagnostic]:
    """As the PR check runs it: with the config `python -m policy_pack_config homelab` writes."""
    policy_pack.configure(policy_pack_config(read_stack_file("homelab")))
    try:
        analyzed = [d for resource in homelab_resources for d in policy_pack.analyze_resource(resource)]
        return analyzed + policy_pack.analyze_stack(homelab_resources)
    finally:
        # A test may ask for this and for `engine`, in either order.
        policy_pack.configure({})


def test_homelab_stack_follows_every_policy_mandatory_and_advisory(homelab_diagnostics):
    assert apart_from_unbacked_comfyui(homelab_diagnostics) == []


def _homelab_resource(homelab_resources: list[Resource], kind: str) -> Resource:
    if kind == "deployment":
        (deployment,) = [r for r in homelab_resources if r.type == TYPES["Deployment"]]
        return deployment
    (ollama,) = [r for r in homelab_resources if r.type == RELEASE and r.properties["chart"] == "ollama"]
    return ollama


@pytest.mark.parametrize(
    ("kind", "path", "value", "policy"),
    [
        ("deployment", "spec.template.spec.runtimeClassName", DELETE, RUNTIME_CLASS),
        ("deployment", "spec.strategy.type", "RollingUpdate", RECREATE_STRATEGY),
        ("deployment", "spec.template.spec.nodeSelector", DELETE, GPU_NODE_PINNING),
        ("release", "values.runtimeClassName", DELETE, RUNTIME_CLASS),
        ("release", "values.updateStrategy.type", "RollingUpdate", RECREATE_STRATEGY),
        ("release", "values.image.tag", "latest", IMMUTABLE_IMAGES),
    ],
)
def test_policies_read_the_homelab_gpu_workloads(engine, homelab_resources, kind, path, value, policy):
    resource = _homelab_resource(homelab_resources, kind)
    assert engine.analyze_resource(resource) == []

    broken = changed(json_format.MessageToDict(struct(resource.properties)), path, value)
    diagnostics = engine.analyze_resource(dataclasses.replace(resource, properties=broken))

    assert [(d.policy, d.level) for d in diagnostics] == [(policy, DEFAULT_LEVELS[policy])]


def test_stack_policy_reads_the_homelab_volumes(engine, homelab_resources):
    claims = {r.urn for r in homelab_resources if r.type == PVC}
    unprotected = [dataclasses.replace(r, protect=False) if r.urn in claims else r for r in homelab_resources]

    diagnostics = [d for d in engine.analyze_stack(unprotected) if d.policy == PROTECTED_CLAIMS]

    assert len(claims) == 2
    assert {d.urn for d in diagnostics} == claims


# --- the corpus ---


@pytest.mark.parametrize("case", CORPUS, ids=[case.id for case in CORPUS])
def test_corpus_case_fires_exactly_its_policies(engine, case: Case):
    case.check(analyze_case(engine, case), DEFAULT_LEVELS)


def test_corpus_covers_every_resource_policy_firing_and_every_preview_unknown():
    assert set().union(*(case.fires for case in CORPUS)) == RESOURCE_POLICIES
    assert set().union(*(case.cannot_run for case in CORPUS)) == RESOURCE_POLICIES
    assert {case.type.rsplit(":", 1)[-1] for case in CORPUS if case.fires} >= set(TYPES) | {"Release"}


def test_values_unknown_during_preview_never_block(engine):
    unknown = [case for case in CORPUS if case.cannot_run]
    diagnostics = [d for case in unknown for d in analyze_case(engine, case)]

    assert diagnostics and {d.level for d in diagnostics} == {"advisory"}
    assert all("during preview" in d.message for d in diagnostics)


@pytest.mark.parametrize("case", STACK_CORPUS, ids=[case.id for case in STACK_CORPUS])
def test_stack_case_reports_exactly_its_unprotected_volumes(engine, case: StackCase):
    resources = [resource(r.type, r.name, r.props, protect=r.protect) for r in case.resources]

    diagnostics = [d for d in engine.analyze_stack(resources) if d.policy == PROTECTED_CLAIMS]

    assert all(d.level == "advisory" for d in diagnostics)
    if case.cannot_run:
        assert [d.cannot_run_in_preview for d in diagnostics] == [True]
    else:
        assert {d.urn.rsplit("::", 1)[-1] for d in diagnostics} == case.fires_on, [d.message for d in diagnostics]


@pytest.mark.parametrize(
    ("case", "expected"),
    [
        (
            workload("m", "Deployment", pod_spec(runtimeClassName=DELETE)),
            "Deployment 'app': container 'app' asks for nvidia.com/gpu: 1 but the pod sets no runtimeClassName; "
            "set spec.template.spec.runtimeClassName: nvidia.",
        ),
        (
            workload("m", "CronJob", pod_spec(container("trainer", gpu=2), runtimeClassName="runc")),
            "CronJob 'app': container 'trainer' asks for nvidia.com/gpu: 2 but runtimeClassName is 'runc'; "
            "set spec.jobTemplate.spec.template.spec.runtimeClassName: nvidia.",
        ),
        (
            workload("m", "Deployment", pod_spec(), strategy="RollingUpdate"),
            "Deployment 'app': container 'app' asks for nvidia.com/gpu: 1 but the Deployment updates with "
            "RollingUpdate, which starts the new pod while the old one still holds the GPU; "
            "set spec.strategy.type: Recreate.",
        ),
        (
            Case("m", RELEASE, release(runtimeClassName="")),
            "Release 'app' (chart ollama): container 'ollama' asks for nvidia.com/gpu: 1 "
            "(values.ollama.gpu.enabled) but the pod sets no runtimeClassName; set values.runtimeClassName: nvidia.",
        ),
        (
            Case("m", RELEASE, release(updateStrategy__type="")),
            "Release 'app' (chart ollama): container 'ollama' asks for nvidia.com/gpu: 1 (values.ollama.gpu.enabled) "
            "but the Deployment updates with RollingUpdate (the Kubernetes default), which starts the new pod while "
            "the old one still holds the GPU; set values.updateStrategy.type: Recreate.",
        ),
    ],
    ids=[
        "deployment-runtime-class",
        "cronjob-runtime-class",
        "deployment-strategy",
        "release-runtime-class",
        "release-strategy",
    ],
)
def test_violation_message_names_the_resource_the_container_and_the_fix(engine, case: Case, expected: str):
    (diagnostic,) = analyze_case(engine, case)

    # The SDK puts the policy's description first; the message follows on its own line.
    assert diagnostic.message.split("\n", 1)[1] == expected
