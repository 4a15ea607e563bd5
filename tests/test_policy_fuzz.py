"""Generated Kubernetes-shaped resources sent over the Analyzer protocol never make a policy raise.

A policy that raises turns the engine's Analyze call into an RPC error, which fails the user's
preview for a reason that has nothing to do with their stack. Every generated resource must get
an answer: violations, the SDK's "can't run during preview" advisories, or nothing.
"""

from __future__ import annotations

import copy
from typing import Any

import grpc
import pytest
from analyzer_inputs import resource
from fuzz_counts import TRIED
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from policy_corpus import CORPUS, RELEASE, TYPES, container, manifest, pod_spec, release
from pulumi.runtime import rpc
from tree_edits import changed

from offline_preview.engine import Resource

SECRET_SIG = {rpc._special_sig_key: rpc._special_secret_sig}
UNKNOWNS = [rpc.UNKNOWN, "1c4a061d-8072-4f0a-a4cb-0ff528b18fe7", "3eeb2bf0-c639-47a8-9e75-3b44932eb421",
            "6a19a0b0-7e62-4c92-b797-7f8e31da9cc2", "dd056dcd-154b-4c76-9bd3-c8f88648b5ff"]
RESOURCE_TYPES = [*TYPES.values(), RELEASE, "kubernetes:core/v1:PersistentVolumeClaim",
                  "kubernetes:networking.k8s.io/v1:NetworkPolicy", "kubernetes:networking.k8s.io/v1:Ingress",
                  "kubernetes:gateway.networking.k8s.io/v1:HTTPRoute", "kubernetes:core/v1:Service",
                  "kubernetes:batch/v1beta1:CronJob", "random:index:Thing"]
SEEDS = [case.props for case in CORPUS]
KEYS = ["spec", "template", "containers", "initContainers", "resources", "limits", "requests", "nvidia.com/gpu",
        "nvidia.com/mig-1g.5gb", "runtimeClassName", "strategy", "type", "replicas", "values", "ollama", "gpu",
        "enabled", "nodeSelector", "affinity", "image", "metadata", "namespace", "annotations", "podSelector",
        "policyTypes", "ingress", "jobTemplate", "persistentVolume", "existingClaim", "updateStrategy", "chart",
        "rollingUpdate", "maxSurge", "replicaCount", "number", "parallelism"]

# Numbers as manifests write them: plain, in exponent form (up to exponents no Decimal context
# holds), and the words Python's Decimal and float read as NaN and infinities.
numerals = st.one_of(
    st.integers(-(10**6), 10**6).map(str),
    st.decimals(allow_nan=True, allow_infinity=True).map(str),
    st.builds("{}e{}".format, st.integers(-99, 99), st.integers(-(10**12), 10**12)),
    st.builds("{}E{}".format, st.floats(0, 10, allow_nan=False).map(repr), st.integers(-400, 400)),
    st.sampled_from(["nan", "NaN", "sNaN", "inf", "-inf", "Infinity", "1e999999999", "1e-999999999", "0e999999999"]),
)
# maxSurge and maxUnavailable: a count or a percentage of any of those numbers.
quantities = st.one_of(numerals, numerals.map("{}%".format))

scalars = st.one_of(
    st.none(), st.booleans(), st.integers(-(2**53), 2**53),
    # Non-finite floats never reach a Python pack: its SDK cannot read them out of the Struct.
    st.floats(allow_nan=False, allow_infinity=False), st.text(max_size=20), quantities,
    st.sampled_from(UNKNOWNS + ["1", "0", "-1", "Recreate", "RollingUpdate", "nvidia", "latest", "ollama", "25%"]),
)


def _secret(value: Any) -> dict[str, Any]:
    return {**SECRET_SIG, "value": value}


values = st.recursive(
    scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=3),
        st.dictionaries(st.one_of(st.sampled_from(KEYS), st.text(max_size=8)), inner, max_size=4),
        inner.map(_secret),
    ),
    max_leaves=10,
)


def _paths(node: Any, prefix: tuple = ()) -> list[tuple]:
    """Every place a value can be replaced; a secret's envelope is the engine's and stays whole."""
    found = [prefix]
    if isinstance(node, dict) and not SECRET_SIG.keys() <= node.keys():
        for key, child in node.items():
            found += _paths(child, (*prefix, key))
    elif isinstance(node, list):
        for index, child in enumerate(node):
            found += _paths(child, (*prefix, index))
    return found


@st.composite
def resources(draw) -> Resource:
    """A corpus resource with a few of its values, at any depth, replaced by generated ones."""
    props = copy.deepcopy(draw(st.sampled_from(SEEDS)))
    for _ in range(draw(st.integers(0, 4))):
        path = draw(st.sampled_from(_paths(props)))
        if not path:
            continue
        parent = props
        for key in path[:-1]:
            parent = parent[key]
        parent[path[-1]] = draw(values)
    if draw(st.booleans()):
        props = _secret(props) if draw(st.booleans()) else {**props, **draw(st.dictionaries(st.sampled_from(KEYS), values, max_size=2))}
    if not isinstance(props, dict) or SECRET_SIG.keys() <= props.keys():
        props = {"spec": props}
    return resource(draw(st.sampled_from(RESOURCE_TYPES)), draw(st.sampled_from(["app", "ollama", "x"])), props,
                    protect=draw(st.booleans()))


@st.composite
def counted_workloads(draw) -> Resource:
    """A GPU Deployment or Ollama release whose GPU count, replicas and maxSurge are generated: the
    values the capacity policy does arithmetic with."""
    if draw(st.booleans()):
        props = manifest("Deployment", pod_spec(container(gpu=draw(quantities))), strategy="RollingUpdate")
        props = changed(props, "spec.strategy.rollingUpdate", {"maxSurge": draw(quantities)})
        props = changed(props, "spec.replicas", draw(st.one_of(st.integers(0, 3), st.floats(0, 1e300))))
        return resource(TYPES["Deployment"], "app", props)
    props = release(
        ollama__gpu__number=draw(quantities), updateStrategy={"type": "RollingUpdate", "rollingUpdate": {"maxSurge": draw(quantities)}},
        replicaCount=draw(st.one_of(st.integers(0, 3), st.floats(0, 1e300))),
    )
    return resource(RELEASE, "ollama", props)


# `engine` sets the default configuration once for all examples, and no example changes it.
@settings(max_examples=300, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.function_scoped_fixture])
@given(st.lists(st.one_of(resources(), counted_workloads()), min_size=1, max_size=4))
def test_no_generated_resource_makes_a_policy_raise(engine, stack):
    TRIED["policy pack (resources over gRPC)"] += len(stack)
    try:
        for resource in stack:
            for diagnostic in engine.analyze_resource(resource):
                assert diagnostic.policy and diagnostic.message
        for diagnostic in engine.analyze_stack(stack):
            assert diagnostic.policy and diagnostic.message
    except grpc.RpcError as error:
        pytest.fail(f"the pack raised on {stack!r}: {error.details()}")
