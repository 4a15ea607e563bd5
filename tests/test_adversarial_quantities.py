"""Numbers no one can count, and strings of any length, never cost the stack its verdict.

A policy that raises inside AnalyzeStack fails the whole call, and with it every real violation in
the same preview. Each adversarial value here must come back as a violation of its own, beside the
real ones, and every message must stay short whatever the resource says.
"""

from __future__ import annotations

import pytest
from analyzer_inputs import analyze, resource
from policy_corpus import (
    DEFAULT_DENY,
    GPU_CAPACITY,
    PROTECTED_CLAIMS,
    RUNTIME_CLASS,
    TYPES,
    claim,
    container,
    gpu_deployment,
    manifest,
    ollama,
    pod_spec,
)
from tree_edits import changed

from offline_preview.engine import Resource

ADVERSARIAL_GPUS = ["1e999999999", "NaN", "inf", "-Infinity", "1e-999999999", "1e99999999999999999999"]
ADVERSARIAL_SURGES = ["nan%", "inf%", "1e999999999%", "-inf%", "1e99999999999999999999%"]
LONGEST_MESSAGE = 2000


# One GPU, one pod on it: the two good deployments below already overfill it.
ONE_EXCLUSIVE_GPU = {GPU_CAPACITY: {"gpus": 1, "replicasPerGpu": 1}}


def rolling(name: str, max_surge: str) -> Resource:
    props = manifest("Deployment", pod_spec(), strategy="RollingUpdate")
    props = changed(props, "spec.strategy.rollingUpdate", {"maxSurge": max_surge})
    props = changed(props, "metadata.namespace", "surges")
    return resource(TYPES["Deployment"], name, props)


def adversarial_stack() -> list[Resource]:
    cases = [
        *(gpu_deployment(f"gpus-{index}", namespace="odd", gpu=gpus) for index, gpus in enumerate(ADVERSARIAL_GPUS)),
        # Non-finite numbers never reach a Python pack: the SDK cannot turn them out of the Struct.
        ollama("ollama-odd", ollama__gpu__number="1e999999999", replicaCount=1e300),
        # The real violations: two GPU pods on one card, an unprotected claim beside them, and
        # namespaces without default-deny.
        gpu_deployment("comfyui", namespace="apps"),
        gpu_deployment("comfyui-two", namespace="apps"),
        claim("models", namespace="apps"),
    ]
    resources = [resource(c.type, c.name, c.props, protect=c.protect) for c in cases]
    return resources + [rolling(f"surge-{index}", surge) for index, surge in enumerate(ADVERSARIAL_SURGES)]


def test_adversarial_quantities_are_reported_beside_the_real_violations(engine):
    engine.configure(ONE_EXCLUSIVE_GPU)
    diagnostics = engine.analyze_stack(adversarial_stack())

    capacity = [d.message for d in diagnostics if d.policy == GPU_CAPACITY]
    assert any("the stack asks for" in message and "but the cluster has 1" in message for message in capacity)
    for written in [*ADVERSARIAL_GPUS, *ADVERSARIAL_SURGES]:
        assert any(f"is '{written}', which is no number of GPUs or pods" in m for m in capacity), written
    assert any("Release 'ollama-odd' (chart ollama): the replica count is '1e+300'" in m for m in capacity)
    assert [d.urn.rsplit("::", 1)[-1] for d in diagnostics if d.policy == PROTECTED_CLAIMS] == ["models"]
    denied = {d.message.splitlines()[-1].split(" runs ")[0] for d in diagnostics if d.policy == DEFAULT_DENY}
    assert {"Namespace 'apps'", "Namespace 'odd'", "Namespace 'surges'"} <= denied
    assert all(d.level == "mandatory" for d in diagnostics if d.policy == GPU_CAPACITY)


@pytest.mark.parametrize("gpus", ADVERSARIAL_GPUS)
def test_a_pod_asking_for_an_uncountable_gpu_quantity_is_still_checked_as_a_gpu_pod(engine, gpus):
    pod = manifest("Pod", pod_spec(container(gpu=gpus), runtimeClassName="runc"))

    diagnostics = analyze(engine, TYPES["Pod"], "app", pod)

    assert [d.policy for d in diagnostics] == [RUNTIME_CLASS]
    assert f"asks for nvidia.com/gpu: '{gpus}' but runtimeClassName is 'runc'" in diagnostics[0].message


def test_a_megabyte_of_name_and_values_gives_short_messages(engine):
    engine.configure(ONE_EXCLUSIVE_GPU)
    huge = "x" * 1_000_000
    pod = manifest("Pod", pod_spec(container(name=huge, gpu="1" * 1_000_000), runtimeClassName=huge))
    claim_case = claim(huge, namespace=huge)
    deployment = gpu_deployment(huge, namespace=huge, gpu="9" * 1_000_000)

    diagnostics = [
        *analyze(engine, TYPES["Pod"], huge, pod),
        *engine.analyze_stack([resource(c.type, c.name, c.props) for c in (claim_case, deployment)]),
    ]

    assert {d.policy for d in diagnostics} >= {RUNTIME_CLASS, PROTECTED_CLAIMS, GPU_CAPACITY, DEFAULT_DENY}
    for diagnostic in diagnostics:
        assert len(diagnostic.message) < LONGEST_MESSAGE, (diagnostic.policy, diagnostic.message[:200])
        assert "x" * 80 not in diagnostic.message
        assert "x" * 79 + "…" in diagnostic.message or diagnostic.policy == GPU_CAPACITY
