"""The access policies over the Analyzer protocol: a PR that quietly opens the stack is flagged at preview."""

from __future__ import annotations

import dataclasses

import pytest
from analyzer_inputs import resource
from google.protobuf import json_format
from policy_corpus import DEFAULT_DENY, GUARDED_ROUTES, manifest, pod_spec

from offline_preview.capture import Capture
from offline_preview.engine import PolicyEngine, Resource, struct
from offline_preview.preview import analyzer_resources

NETWORK_POLICY = "kubernetes:networking.k8s.io/v1:NetworkPolicy"
INGRESS = "kubernetes:networking.k8s.io/v1:Ingress"


def _fired(engine: PolicyEngine, resources: list[Resource], policy: str) -> list[tuple[str, str]]:
    return [(d.level, d.urn.rsplit("::", 1)[-1]) for d in engine.analyze_stack(resources) if d.policy == policy]


def _without_annotations(resource: Resource) -> Resource:
    props = json_format.MessageToDict(struct(resource.properties))
    props["metadata"].pop("annotations", None)
    return dataclasses.replace(resource, properties=props)


def test_homelab_routes_and_namespaces_pass(engine, homelab: Capture):
    resources = analyzer_resources(homelab)
    assert _fired(engine, resources, GUARDED_ROUTES) == [] and _fired(engine, resources, DEFAULT_DENY) == []


def test_a_route_that_names_no_guard_is_flagged(engine, homelab: Capture):
    resources = [_without_annotations(r) if r.name == "comfyui-route" else r for r in analyzer_resources(homelab)]
    (diagnostic,) = [d for d in engine.analyze_stack(resources) if d.policy == GUARDED_ROUTES]
    assert (diagnostic.level, diagnostic.urn.rsplit("::", 1)[-1]) == ("advisory", "comfyui-route")
    assert "HTTPRoute 'comfyui-route' exposes namespace 'comfyui', which runs Deployment 'comfyui-deployment'" in diagnostic.message
    assert "homelab-ai/access: gateway-enforced" in diagnostic.message


def test_a_public_app_warns_on_every_preview_unless_acknowledged(engine, run_with):
    resources = analyzer_resources(run_with({"ollama.access": {"public": True}}))
    assert _fired(engine, resources, GUARDED_ROUTES) == [("advisory", "ollama-route")]
    engine.configure({GUARDED_ROUTES: {"acknowledgedAccess": ["gateway-enforced", "public"]}})
    assert _fired(engine, resources, GUARDED_ROUTES) == []


def test_ingress_guarded_by_its_class_annotations_passes_and_fails_without_them(engine, run_with):
    capture = run_with({"exposure.kind": "ingress", "exposure.ingress": {"className": "nginx", "preservesClientAddress": True},
                        "exposure.controllerNamespace": "ingress-nginx"})
    resources = analyzer_resources(capture)
    assert _fired(engine, resources, GUARDED_ROUTES) == []
    stripped = [_without_annotations(r) if r.type == INGRESS else r for r in resources]
    assert sorted(_fired(engine, stripped, GUARDED_ROUTES)) == [("advisory", "comfyui-ingress"), ("advisory", "ollama-ingress")]


def test_routes_outside_gpu_namespaces_are_left_alone(engine):
    web = manifest("Deployment", pod_spec())
    web["metadata"]["namespace"] = "apps"
    route = {"apiVersion": "networking.k8s.io/v1", "kind": "Ingress", "metadata": {"name": "blog", "namespace": "blog"},
             "spec": {"rules": [{"host": "blog.example.com"}]}}
    resources = [resource("kubernetes:apps/v1:Deployment", "gpu", web), resource(INGRESS, "blog", route)]
    assert _fired(engine, resources, GUARDED_ROUTES) == []


def test_gpu_namespace_without_default_deny_is_flagged(engine, homelab: Capture):
    resources = [r for r in analyzer_resources(homelab) if not (r.type == NETWORK_POLICY and r.name == "ollama-deny-ingress")]
    (diagnostic,) = [d for d in engine.analyze_stack(resources) if d.policy == DEFAULT_DENY]
    assert diagnostic.level == "advisory"
    assert "Namespace 'ollama' runs Release 'ollama-release' (chart ollama) but has no default-deny ingress" in diagnostic.message


def _policy(namespace: str, **spec) -> Resource:
    return resource(NETWORK_POLICY, f"np-{namespace}", {"metadata": {"name": "x", "namespace": namespace}, "spec": spec})


@pytest.mark.parametrize("network_policy, denies", [
    (_policy("apps", podSelector={}, policyTypes=["Ingress"]), True),
    (_policy("apps", podSelector={}), True),
    (_policy("apps", podSelector={}, policyTypes=["Ingress", "Egress"], egress=[{}]), True),
    (_policy("apps", podSelector={}, policyTypes=["Egress"]), False),
    (_policy("apps", podSelector={"matchLabels": {"app": "x"}}, policyTypes=["Ingress"]), False),
    (_policy("apps", podSelector={}, policyTypes=["Ingress"], ingress=[{}]), False),
    (_policy("other", podSelector={}, policyTypes=["Ingress"]), False),
    (_policy("apps", podSelector=None, policyTypes=["Ingress"]), False),
], ids=["deny-ingress", "no-policy-types", "deny-both", "egress-only", "selects-some-pods", "allows-everything",
        "other-namespace", "malformed-selector"])
def test_only_a_policy_selecting_every_pod_with_no_ingress_rule_counts_as_default_deny(engine, network_policy, denies):
    workload = manifest("Deployment", pod_spec())
    resources = [resource("kubernetes:apps/v1:Deployment", "gpu", workload), network_policy]
    assert bool(_fired(engine, resources, DEFAULT_DENY)) is not denies
