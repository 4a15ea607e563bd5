"""The policy pack under `--policy-pack-config`: the engine reconciles the file with each policy's
schema defaults and sends the result with Configure before it analyzes anything.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import pytest
from policy_corpus import (
    CORPUS,
    DEFAULT_DENY,
    DEFAULT_LEVELS,
    DELETE,
    GPU_NODE_PINNING,
    IMMUTABLE_IMAGES,
    PROTECTED_CLAIMS,
    RECREATE_STRATEGY,
    RUNTIME_CLASS,
    STACK_CORPUS,
    TYPES,
    Case,
    container,
    pod_spec,
    workload,
)

from offline_preview.engine import Resource


def names_a_runtime_class(node: Any) -> bool:
    """Whether a case's manifest or chart values name a RuntimeClass anywhere (a non-empty runtimeClassName)."""
    if isinstance(node, Mapping):
        return any((key == "runtimeClassName" and isinstance(value, str) and value) or names_a_runtime_class(value)
                   for key, value in node.items())
    if isinstance(node, list):
        return any(names_a_runtime_class(item) for item in node)
    return False


@dataclass(frozen=True)
class Variant:
    config: Mapping[str, Any]
    disabled: frozenset[str] = frozenset()
    levels: Mapping[str, str] = field(default_factory=dict)
    cdi_injection: bool = False
    """GPU pods that name no runtime class pass; one that names a class outside the allowed ones still fires."""

    def expect(self, case: Case) -> Case:
        disabled = self.disabled
        if self.cdi_injection and not names_a_runtime_class(case.props):
            disabled = disabled | {RUNTIME_CLASS}
        return dataclasses.replace(case, fires=case.fires - disabled, cannot_run=case.cannot_run - self.disabled)


VARIANTS = {
    "runtime-class-policy-disabled": Variant({RUNTIME_CLASS: "disabled"}, disabled=frozenset({RUNTIME_CLASS})),
    "recreate-policy-advisory": Variant(
        {RECREATE_STRATEGY: {"enforcementLevel": "advisory"}}, levels={RECREATE_STRATEGY: "advisory"}
    ),
    "another-runtime-class-allowed": Variant({RUNTIME_CLASS: {"allowedRuntimeClasses": ["nvidia", "nvidia-cdi"]}}),
    "every-policy-mandatory": Variant({"all": "mandatory"}, levels={name: "mandatory" for name in DEFAULT_LEVELS}),
    # What a talos-1.13 stack writes: the runtime injects GPUs through CDI.
    "cdi-injection": Variant({RUNTIME_CLASS: {"cdiInjection": True}}, cdi_injection=True),
}


@pytest.mark.parametrize("case", CORPUS, ids=[case.id for case in CORPUS])
@pytest.mark.parametrize("variant", VARIANTS.values(), ids=list(VARIANTS))
def test_corpus_case_under_policy_pack_config(engine, variant: Variant, case: Case):
    engine.configure(variant.config)

    diagnostics = engine.analyze(case.type, "app", case.props)

    variant.expect(case).check(diagnostics, {**DEFAULT_LEVELS, **variant.levels})


def test_configured_runtime_class_is_accepted_and_named_in_the_fix(engine):
    cdi = workload("cdi", "Pod", pod_spec(runtimeClassName="nvidia-cdi"))
    runc = workload("runc", "Pod", pod_spec(runtimeClassName="runc"))
    assert [d.policy for d in engine.analyze(cdi.type, "app", cdi.props)] == [RUNTIME_CLASS]

    engine.configure({RUNTIME_CLASS: {"allowedRuntimeClasses": ["nvidia", "nvidia-cdi"]}})

    assert engine.analyze(cdi.type, "app", cdi.props) == []
    (diagnostic,) = engine.analyze(runc.type, "app", runc.props)
    assert diagnostic.message.endswith("set spec.runtimeClassName: nvidia (allowed: nvidia, nvidia-cdi).")


def test_gpu_resource_names_replace_the_default(engine):
    shared = workload("shared", "Pod", pod_spec(container(resource="nvidia.com/gpu.shared"), runtimeClassName=DELETE))
    plain = workload("plain", "Pod", pod_spec(runtimeClassName=DELETE))

    engine.configure({RUNTIME_CLASS: {"gpuResourceNames": ["nvidia.com/gpu.shared"]}})

    assert [d.policy for d in engine.analyze(shared.type, "app", shared.props)] == [RUNTIME_CLASS]
    assert engine.analyze(plain.type, "app", plain.props) == []


def test_mig_matching_turns_off_with_no_prefixes(engine):
    mig = workload("mig", "Pod", pod_spec(container(resource="nvidia.com/mig-1g.5gb"), runtimeClassName=DELETE))

    engine.configure({RUNTIME_CLASS: {"gpuResourcePrefixes": []}})

    assert engine.analyze(mig.type, "app", mig.props) == []


def test_gpu_node_labels_are_configurable(engine):
    present = workload("present", "Pod", pod_spec())
    product = workload(
        "product", "Pod", pod_spec(nodeSelector={"nvidia.com/gpu.product": "NVIDIA-GeForce-RTX-5070-Ti"})
    )

    engine.configure({GPU_NODE_PINNING: {"gpuNodeLabels": ["nvidia.com/gpu.product"]}})

    assert [d.policy for d in engine.analyze(present.type, "app", present.props)] == [GPU_NODE_PINNING]
    assert engine.analyze(product.type, "app", product.props) == []


def test_mutable_tags_are_configurable(engine):
    main = workload("main", "Pod", pod_spec(container(image="registry.example.com/app:main")))

    engine.configure({IMMUTABLE_IMAGES: {"mutableTags": ["latest", "main"]}})

    assert [d.policy for d in engine.analyze(main.type, "app", main.props)] == [IMMUTABLE_IMAGES]


def test_stack_policy_can_be_made_mandatory_or_disabled(engine):
    (case,) = [case for case in STACK_CORPUS if case.id == "unprotected-claim-beside-gpu-deployment"]
    resources = [Resource(r.type, r.name, r.props, protect=r.protect) for r in case.resources]

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

    diagnostics = engine.analyze(TYPES["Deployment"], "app", rolling.props)
    assert {(d.policy, d.level) for d in diagnostics} == {
        (RUNTIME_CLASS, "mandatory"),
        (RECREATE_STRATEGY, "mandatory"),
    }
