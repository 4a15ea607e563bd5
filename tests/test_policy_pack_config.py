"""The policy pack under `--policy-pack-config`: the engine reconciles the file with each policy's
schema defaults and sends the result with Configure before it analyzes anything.

test_policy_pack.py runs the whole corpus under the default configuration. Here each option that
changes which policies fire runs the corpus cases its policy fires on, and enforcement levels are
checked once, directly, the way the engine reconciles them.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import pytest
from analyzer_inputs import analyze, resource
from policy_corpus import (
    CORPUS,
    DEFAULT_DENY,
    DEFAULT_LEVELS,
    DELETE,
    GPU_MEMORY_LIMIT,
    GPU_NODE_PINNING,
    IMMUTABLE_IMAGES,
    PROTECTED_CLAIMS,
    RECREATE_STRATEGY,
    RESOURCE_POLICIES,
    RUNTIME_CLASS,
    STACK_CORPUS,
    TYPES,
    Case,
    UndeclaredPolicy,
    container,
    pod_spec,
    workload,
)
from pulumi.runtime.proto import analyzer_pb2

from offline_preview.engine import parse_policy_pack_config, reconcile_policy_pack_config


def found(node: Any, match: Callable[[str, Any], bool]) -> bool:
    """Whether a manifest or chart values hold a ``key: value`` that ``match`` accepts, at any depth."""
    if isinstance(node, Mapping):
        return any(match(key, value) or found(value, match) for key, value in node.items())
    if isinstance(node, list):
        return any(found(item, match) for item in node)
    return False


def names_runtime_class(*allowed: str) -> Callable[[Case], bool]:
    """A case naming one of ``allowed`` as its runtimeClassName; with none given, naming any class at all."""
    return lambda case: found(case.props, lambda key, value: key == "runtimeClassName" and isinstance(value, str)
                              and bool(value) and (not allowed or value in allowed))


def asks_for_mig(case: Case) -> bool:
    return found(case.props, lambda key, value: key.startswith("nvidia.com/mig-")
                 or (isinstance(value, str) and value.startswith("nvidia.com/mig-")))


def runs_a_latest_image(case: Case) -> bool:
    return found(case.props, lambda key, value: isinstance(value, str)
                 and (value.endswith(":latest") or (key == "tag" and value == "latest")))


@dataclass(frozen=True)
class Option:
    """A configuration that changes one policy's verdict, and on which of the cases it fires on by default."""

    config: Mapping[str, Any]
    policy: str
    passes: Callable[[Case], bool]
    """The cases the policy fires on by default that pass under ``config``; the others still fire."""

    def cases(self) -> list[Case]:
        return [case for case in CORPUS if self.policy in case.fires]

    def expect(self, case: Case) -> Case:
        return dataclasses.replace(case, fires=case.fires - {self.policy}) if self.passes(case) else case


OPTIONS = {
    # What a talos-1.13 stack writes: the runtime injects GPUs through CDI, so a GPU pod may name no
    # runtime class, but one it names must still be allowed.
    "cdi-injection": Option({RUNTIME_CLASS: {"cdiInjection": True}}, RUNTIME_CLASS,
                            lambda case: not names_runtime_class()(case)),
    "runc-allowed": Option({RUNTIME_CLASS: {"allowedRuntimeClasses": ["nvidia", "runc"]}}, RUNTIME_CLASS,
                           names_runtime_class("runc")),
    # Only the shared resource counts as a GPU; the MIG prefix still matches.
    "shared-gpu-resource": Option({RUNTIME_CLASS: {"gpuResourceNames": ["nvidia.com/gpu.shared"]}}, RUNTIME_CLASS,
                                  lambda case: not asks_for_mig(case)),
    "no-mig-prefixes": Option({RUNTIME_CLASS: {"gpuResourcePrefixes": []}}, RUNTIME_CLASS, asks_for_mig),
    "os-label-pins": Option({GPU_NODE_PINNING: {"gpuNodeLabels": ["kubernetes.io/os"]}}, GPU_NODE_PINNING,
                            lambda case: case.id == "gpu-pod-selecting-other-labels"),
    # A tag-less image stays mutable whatever the list says.
    "no-mutable-tags": Option({IMMUTABLE_IMAGES: {"mutableTags": []}}, IMMUTABLE_IMAGES, runs_a_latest_image),
}


@pytest.mark.parametrize(
    ("option", "case"),
    [(option, case) for option in OPTIONS.values() for case in option.cases()],
    ids=[f"{name}-{case.id}" for name, option in OPTIONS.items() for case in option.cases()],
)
def test_corpus_case_under_an_option_that_changes_its_verdict(engine, option: Option, case: Case):
    engine.configure(option.config)

    diagnostics = analyze(engine, case.type, "app", case.props)

    option.expect(case).check(diagnostics, DEFAULT_LEVELS)


@pytest.mark.parametrize("name", OPTIONS)
def test_each_option_both_lets_cases_pass_and_leaves_others_firing(name: str):
    """Otherwise the option's cases above would only repeat the default verdicts, or only its absence."""
    option = OPTIONS[name]
    verdicts = {option.passes(case) for case in option.cases()}
    assert verdicts == {True, False}


# --- enforcement levels, reconciled as pkg/resource/analyzer/config.go does ---

# A Deployment that breaks every resource policy at once.
EVERY_RESOURCE_POLICY = workload(
    "every-resource-policy",
    "Deployment",
    pod_spec(container(image="ollama/ollama:latest", memory=None), runtimeClassName=DELETE, nodeSelector=DELETE),
    strategy="RollingUpdate",
    fires=tuple(RESOURCE_POLICIES),
)


@pytest.mark.parametrize(("config", "levels"), [
    ({}, DEFAULT_LEVELS),
    ({"all": "mandatory"}, dict.fromkeys(RESOURCE_POLICIES, "mandatory")),
    ({"all": "advisory"}, dict.fromkeys(RESOURCE_POLICIES, "advisory")),
    # A policy's own entry wins over `all`, whichever comes first in the file.
    ({RUNTIME_CLASS: "mandatory", "all": "advisory"}, {**dict.fromkeys(RESOURCE_POLICIES, "advisory"),
                                                        RUNTIME_CLASS: "mandatory"}),
    ({RECREATE_STRATEGY: {"enforcementLevel": "advisory"}}, {**DEFAULT_LEVELS, RECREATE_STRATEGY: "advisory"}),
    ({IMMUTABLE_IMAGES: {"enforcementLevel": "mandatory", "mutableTags": ["latest"]}},
     {**DEFAULT_LEVELS, IMMUTABLE_IMAGES: "mandatory"}),
    ({RUNTIME_CLASS: "disabled"}, {p: DEFAULT_LEVELS[p] for p in RESOURCE_POLICIES - {RUNTIME_CLASS}}),
    ({GPU_MEMORY_LIMIT: {"enforcementLevel": "disabled"}}, {p: DEFAULT_LEVELS[p] for p in RESOURCE_POLICIES - {GPU_MEMORY_LIMIT}}),
    ({"all": "disabled", GPU_NODE_PINNING: "advisory"}, {GPU_NODE_PINNING: "advisory"}),
], ids=["defaults", "all-mandatory", "all-advisory", "policy-level-over-all", "level-in-an-object",
        "level-beside-properties", "disabled", "disabled-in-an-object", "all-disabled-but-one"])
def test_each_policy_reports_at_its_reconciled_level(engine, config: dict[str, Any], levels: dict[str, str]):
    engine.configure(config)

    diagnostics = analyze(engine, EVERY_RESOURCE_POLICY.type, "app", EVERY_RESOURCE_POLICY.props)

    assert {d.policy: d.level for d in diagnostics} == {p: levels[p] for p in RESOURCE_POLICIES if p in levels}
    assert len(diagnostics) == len(levels.keys() & RESOURCE_POLICIES)


def test_a_value_unknown_during_preview_stays_advisory_under_any_level(engine):
    (case,) = [case for case in CORPUS if case.id == "gpu-limit-unknown-during-preview"]

    engine.configure({"all": "mandatory"})
    mandatory = analyze(engine, case.type, "app", case.props)
    engine.configure({RUNTIME_CLASS: "disabled"})
    disabled = analyze(engine, case.type, "app", case.props)

    assert {(d.policy, d.level, d.cannot_run_in_preview) for d in mandatory} == {
        (policy, "advisory", True) for policy in case.cannot_run}
    assert {d.policy for d in disabled} == case.cannot_run - {RUNTIME_CLASS}


def test_a_test_cannot_configure_a_policy_the_pack_does_not_declare(engine):
    misspelt = RUNTIME_CLASS.replace("nvidia", "nvida")

    with pytest.raises(UndeclaredPolicy, match=misspelt):
        engine.configure({misspelt: "disabled"})


def test_the_engine_passes_an_undeclared_policy_on_as_the_cli_does(engine):
    """The CLI's applyConfig keeps any entry; the pack ignores one it does not declare."""
    policies = engine.info().policies

    reconciled = reconcile_policy_pack_config(policies, parse_policy_pack_config({"no-such-policy": "disabled"}))

    assert reconciled.pop("no-such-policy") == (analyzer_pb2.DISABLED, {})
    assert reconciled == reconcile_policy_pack_config(policies, {})


# --- each option, in both directions ---


def test_configured_runtime_class_is_accepted_and_named_in_the_fix(engine):
    cdi = workload("cdi", "Pod", pod_spec(runtimeClassName="nvidia-cdi"))
    runc = workload("runc", "Pod", pod_spec(runtimeClassName="runc"))
    nvidia = workload("nvidia", "Pod", pod_spec())
    assert [d.policy for d in analyze(engine, cdi.type, "app", cdi.props)] == [RUNTIME_CLASS]

    engine.configure({RUNTIME_CLASS: {"allowedRuntimeClasses": ["nvidia", "nvidia-cdi"]}})

    assert analyze(engine, cdi.type, "app", cdi.props) == []
    assert analyze(engine, nvidia.type, "app", nvidia.props) == []
    (diagnostic,) = analyze(engine, runc.type, "app", runc.props)
    assert diagnostic.message.endswith("set spec.runtimeClassName: nvidia (allowed: nvidia, nvidia-cdi).")


def test_gpu_resource_names_replace_the_default(engine):
    shared = workload("shared", "Pod", pod_spec(container(resource="nvidia.com/gpu.shared"), runtimeClassName=DELETE))
    plain = workload("plain", "Pod", pod_spec(runtimeClassName=DELETE))

    engine.configure({RUNTIME_CLASS: {"gpuResourceNames": ["nvidia.com/gpu.shared"]}})

    assert [d.policy for d in analyze(engine, shared.type, "app", shared.props)] == [RUNTIME_CLASS]
    assert analyze(engine, plain.type, "app", plain.props) == []


def test_gpu_node_labels_are_configurable(engine):
    present = workload("present", "Pod", pod_spec())
    product = workload(
        "product", "Pod", pod_spec(nodeSelector={"nvidia.com/gpu.product": "NVIDIA-GeForce-RTX-5070-Ti"})
    )

    engine.configure({GPU_NODE_PINNING: {"gpuNodeLabels": ["nvidia.com/gpu.product"]}})

    assert [d.policy for d in analyze(engine, present.type, "app", present.props)] == [GPU_NODE_PINNING]
    assert analyze(engine, product.type, "app", product.props) == []


def test_mutable_tags_are_configurable(engine):
    main = workload("main", "Pod", pod_spec(container(image="registry.example.com/app:main")))

    engine.configure({IMMUTABLE_IMAGES: {"mutableTags": ["latest", "main"]}})

    assert [d.policy for d in analyze(engine, main.type, "app", main.props)] == [IMMUTABLE_IMAGES]


def test_stack_policy_can_be_made_mandatory_or_disabled(engine):
    (case,) = [case for case in STACK_CORPUS if case.id == "unprotected-claim-beside-gpu-deployment"]
    resources = [resource(r.type, r.name, r.props, protect=r.protect) for r in case.resources]

    def claims_policy() -> list[tuple[str, str]]:
        return [(d.policy, d.level) for d in engine.analyze_stack(resources) if d.policy == PROTECTED_CLAIMS]

    engine.configure({PROTECTED_CLAIMS: "mandatory"})
    assert claims_policy() == [(PROTECTED_CLAIMS, "mandatory")]

    engine.configure({PROTECTED_CLAIMS: "disabled"})
    assert claims_policy() == []
    assert {d.policy for d in engine.analyze_stack(resources)} == {DEFAULT_DENY}


def test_configuration_of_one_policy_leaves_the_others_alone(engine):
    rolling = workload("rolling", "Deployment", pod_spec(runtimeClassName=DELETE), strategy="RollingUpdate")

    engine.configure({RUNTIME_CLASS: {"allowedRuntimeClasses": ["nvidia-cdi"]}})

    diagnostics = analyze(engine, TYPES["Deployment"], "app", rolling.props)
    assert {(d.policy, d.level) for d in diagnostics} == {
        (RUNTIME_CLASS, "mandatory"),
        (RECREATE_STRATEGY, "mandatory"),
    }


def test_the_packs_default_gpu_node_labels_are_what_the_programs_plumbing_writes():
    # The pack stands alone (a stack without the program uses its defaults); the platform table owns the labels.
    from gpu_policies.config import OPTIONS
    from gpu_policies.names import GPU_NODE_LABELS
    from stack_config.platforms import PLUGIN_NODE_LABELS

    assert OPTIONS[GPU_NODE_LABELS].read({}) == PLUGIN_NODE_LABELS["device-plugin"] == PLUGIN_NODE_LABELS["gpu-operator"]
