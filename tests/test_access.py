"""Nothing is exposed by accident: neither app authenticates anyone, so every route is protected,
deliberately public, or refused; NetworkPolicies fence both namespaces either way."""

from __future__ import annotations

import ipaddress

import pytest
from registrations import named, names, of_type

from components.exposure import ROUTE_ACCEPTED
from offline_preview.capture import Capture
from stack_config import ConfigError
from stack_config.stack_files import parse_stack_file_config

APPS = ["ollama", "comfyui"]
UNPROTECTED = {"access": {"allowedSources": [], "forwardAuthUrl": "", "public": False}}


def _problem_keys(capture: Capture) -> list[str]:
    assert isinstance(capture.error, ConfigError), capture.error
    assert capture.registrations == []
    return [p.key for p in capture.error.problems]


@pytest.mark.parametrize("app", APPS)
def test_homelab_exposes_each_app_only_to_private_networks(homelab_config, homelab: Capture, app):
    access = getattr(parse_stack_file_config(homelab_config), app).access
    assert access.protected and not access.public and access.forward_auth_url is None
    assert access.allowed_sources and all(ipaddress.ip_network(source).is_private for source in access.allowed_sources)
    assert named(homelab, f"{app}-route").inputs["metadata"]["annotations"] == {
        "homelab-ai/access": "gateway-enforced", "pulumi.com/waitFor": ROUTE_ACCEPTED}


EVERY_ADDRESS = {"ipv4": ["0.0.0.0/0"], "ipv6": ["192.168.1.0/24", "::/0"], "ipv4-halves": ["0.0.0.0/1", "128.0.0.0/1"]}


@pytest.mark.parametrize("app", APPS)
@pytest.mark.parametrize("sources", EVERY_ADDRESS.values(), ids=EVERY_ADDRESS.keys())
def test_an_allowlist_of_every_address_is_refused_as_unacknowledged_public_exposure(run_with, app, sources):
    capture = run_with({f"{app}.access.allowedSources": sources})
    assert _problem_keys(capture) == [f"{app}.access.allowedSources"]
    (problem,) = capture.error.problems
    assert problem.value == sources
    assert "admit every address" in problem.accepted and f"{app}.access.public: true" in problem.accepted


@pytest.mark.parametrize("app", APPS)
def test_an_acknowledged_allowlist_of_every_address_is_a_public_route_not_a_guarded_one(run_with, app):
    capture = run_with({f"{app}.access": {"allowedSources": ["0.0.0.0/0", "::/0"], "public": True}})
    assert capture.error is None
    assert named(capture, f"{app}-route").inputs["metadata"]["annotations"] == {"homelab-ai/access": "public", "pulumi.com/waitFor": ROUTE_ACCEPTED}


@pytest.mark.parametrize("app", APPS)
@pytest.mark.parametrize("kind", ["gateway", "ingress"])
def test_exposing_an_unprotected_app_is_refused(run_with, app, kind):
    changes = {f"{app}.access": UNPROTECTED["access"], "exposure.kind": kind}
    if kind == "ingress":
        changes |= {"exposure.ingress.className": "nginx", "exposure.controllerNamespace": "ingress-nginx"}
    capture = run_with(changes)
    assert f"{app}.access" in _problem_keys(capture)
    assert "has no authentication of its own" in str(capture.error)


@pytest.mark.parametrize("app", APPS)
def test_public_exposure_needs_the_explicit_acknowledgement(run_with, app):
    capture = run_with({f"{app}.access": {"public": True}})
    assert capture.error is None
    route = named(capture, f"{app}-route").inputs
    assert route["spec"]["hostnames"] == [f"{app}.madhan.app"]
    assert route["metadata"]["annotations"] == {"homelab-ai/access": "public", "pulumi.com/waitFor": ROUTE_ACCEPTED}


def test_public_and_protected_at_once_is_a_contradiction(run_with):
    capture = run_with({"ollama.access.public": True})
    assert _problem_keys(capture) == ["ollama.access.public"]


def test_gateway_routes_do_not_pretend_to_filter_sources(run_with):
    """An HTTPRoute has no source filter: the stack must say the Gateway applies the allowlist."""
    capture = run_with({"exposure.gateway.enforcesAccess": False})
    assert _problem_keys(capture) == ["exposure.gateway.enforcesAccess", "exposure.gateway.enforcesAccess"]
    assert "will not pretend" in str(capture.error)
    route = named(run_with({}), "ollama-route").inputs
    # The route says who answers for access, and claims no filter of its own.
    assert route["metadata"]["annotations"] == {"homelab-ai/access": "gateway-enforced", "pulumi.com/waitFor": ROUTE_ACCEPTED}
    assert "filters" not in str(route["spec"])


def test_ingress_carries_allowlist_and_forward_auth_in_the_class_annotations(run_with):
    capture = run_with({
        "exposure.kind": "ingress",
        "exposure.ingress": {"className": "traefik", "allowlistAnnotation": "example.com/allow",
                             "forwardAuthAnnotation": "example.com/auth", "readTimeoutAnnotation": "",
                             "sendTimeoutAnnotation": "", "bodySizeAnnotation": "", "preservesClientAddress": True,
                             "publishesAddress": True},
        "exposure.controllerNamespace": "traefik",
        "comfyui.access": {"allowedSources": ["192.168.1.0/24", "10.8.0.0/16"],
                           "forwardAuthUrl": "http://oauth2-proxy.auth.svc/oauth2/auth"},
    })
    assert capture.error is None
    assert named(capture, "comfyui-ingress").inputs["metadata"]["annotations"] == {
        "example.com/allow": "192.168.1.0/24,10.8.0.0/16",
        "example.com/auth": "http://oauth2-proxy.auth.svc/oauth2/auth",
    }


def test_ingress_class_without_an_allowlist_annotation_cannot_carry_an_allowlist(run_with):
    capture = run_with({"exposure.kind": "ingress",
                        "exposure.ingress": {"className": "x", "allowlistAnnotation": "", "preservesClientAddress": True},
                        "exposure.controllerNamespace": "x"})
    assert _problem_keys(capture) == ["exposure.ingress.allowlistAnnotation"] * 2


def _in(*names: str) -> dict:
    return {"namespaceSelector": {"matchExpressions": [
        {"key": "kubernetes.io/metadata.name", "operator": "In", "values": list(names)}]}}


@pytest.mark.parametrize("app, port, pod_labels", [
    ("ollama", 11434, {"app.kubernetes.io/name": "ollama", "app.kubernetes.io/instance": "ollama"}),
    ("comfyui", 8188, {"app.kubernetes.io/name": "comfyui", "app.kubernetes.io/part-of": "homelab-ai"}),
])
def test_app_namespaces_deny_ingress_but_the_app_port_from_ciliums_gateway(homelab: Capture, app, port, pod_labels):
    deny = named(homelab, f"{app}-deny-ingress").inputs
    assert deny["metadata"] == {"name": "default-deny-ingress", "namespace": app}
    assert deny["spec"] == {"podSelector": {}, "policyTypes": ["Ingress"]}
    gateway = named(homelab, f"{app}-allow-gateway").inputs
    assert (gateway["apiVersion"], gateway["kind"]) == ("cilium.io/v2", "CiliumNetworkPolicy")
    assert gateway["metadata"] == {"name": "allow-gateway-to-app-port", "namespace": app}
    assert gateway["spec"] == {
        "endpointSelector": {"matchLabels": pod_labels},
        "ingress": [{"fromEntities": ["ingress"], "toPorts": [{"ports": [{"port": str(port), "protocol": "TCP"}]}]}],
    }


@pytest.mark.parametrize("app", APPS)
def test_no_rule_lets_the_gateways_whole_namespace_in(homelab: Capture, app):
    for policy in of_type(homelab, "kubernetes:networking.k8s.io/v1:NetworkPolicy"):
        for rule in policy.inputs["spec"].get("ingress", []):
            assert _in("kube-system") not in rule["from"], policy.name


def test_the_gateway_rule_selects_the_pods_the_deployment_labels(homelab: Capture):
    deployment_labels = named(homelab, "comfyui-deployment").inputs["spec"]["template"]["metadata"]["labels"]
    selector = named(homelab, "comfyui-allow-gateway").inputs["spec"]["endpointSelector"]["matchLabels"]
    assert selector.items() <= deployment_labels.items()


@pytest.mark.parametrize("implementation, labels", [
    ("envoy-gateway", {"app.kubernetes.io/name": "envoy", "app.kubernetes.io/component": "proxy",
                       "app.kubernetes.io/managed-by": "envoy-gateway"}),
    ("traefik", {"app.kubernetes.io/name": "traefik"}),
    ("ingress-nginx", {"app.kubernetes.io/name": "ingress-nginx", "app.kubernetes.io/component": "controller"}),
])
def test_other_gateways_are_let_in_by_their_proxy_pods_not_their_namespace(run_with, implementation, labels):
    capture = run_with({"exposure.controller.implementation": implementation, "exposure.controllerNamespace": "edge"})
    assert capture.error is None, capture.error
    assert "comfyui-allow-gateway" not in names(capture)
    rule = named(capture, "comfyui-allow-app-port").inputs["spec"]["ingress"][0]
    assert rule["from"] == [{**_in("edge"), "podSelector": {"matchLabels": labels}}]


def test_other_implementations_take_the_stacks_pod_labels(run_with):
    capture = run_with({"exposure.controller": {"implementation": "other", "podLabels": {"app": "haproxy"}},
                        "exposure.controllerNamespace": "edge"})
    assert named(capture, "comfyui-allow-app-port").inputs["spec"]["ingress"][0]["from"] == [
        {**_in("edge"), "podSelector": {"matchLabels": {"app": "haproxy"}}}]


@pytest.mark.parametrize("changes, key", [
    ({"exposure.controller": {}}, "exposure.controller.implementation"),
    ({"exposure.controller": {"implementation": "other"}}, "exposure.controller.podLabels"),
    ({"exposure.controller": {"implementation": "cilium", "podLabels": {"a": "b"}}}, "exposure.controller.podLabels"),
    ({"exposure.controller": {"implementation": "istio"}}, "exposure.controller.implementation"),
])
def test_how_the_gateway_reaches_pods_must_be_said_and_consistent(run_with, changes, key):
    assert _problem_keys(run_with(changes)) == [key]


@pytest.mark.parametrize("app", APPS)
def test_egress_allows_dns_and_the_internet_but_not_private_or_link_local_ranges(homelab: Capture, app):
    spec = named(homelab, f"{app}-egress").inputs["spec"]
    assert spec["podSelector"] == {} and spec["policyTypes"] == ["Egress"]
    dns, internet = spec["egress"]
    assert dns["to"] == [{"namespaceSelector": {"matchExpressions": [
        {"key": "kubernetes.io/metadata.name", "operator": "In", "values": ["kube-system"]}]},
        "podSelector": {"matchLabels": {"k8s-app": "kube-dns"}}}]
    assert dns["ports"] == [{"protocol": "UDP", "port": 53}, {"protocol": "TCP", "port": 53}]
    v4, v6 = (peer["ipBlock"] for peer in internet["to"])
    assert v4["cidr"] == "0.0.0.0/0"
    assert {"10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "169.254.0.0/16"} <= set(v4["except"])
    assert v6["cidr"] == "::/0" and {"fc00::/7", "fe80::/10"} <= set(v6["except"])


def test_client_namespaces_are_let_in_whole(run_with):
    capture = run_with({"ollama.access.clientNamespaces": ["open-webui", "n8n"]})
    rule = named(capture, "ollama-allow-app-port").inputs["spec"]["ingress"][0]
    assert _in("n8n") in rule["from"] and _in("open-webui") in rule["from"]


def test_a_fenced_client_namespace_is_let_out_to_the_app_it_may_reach(run_with):
    capture = run_with({"ollama.access.clientNamespaces": ["comfyui"]})
    egress = named(capture, "comfyui-egress-to-ollama").inputs
    assert egress["metadata"] == {"name": "egress-to-ollama", "namespace": "comfyui"}
    assert egress["spec"] == {
        "podSelector": {},
        "policyTypes": ["Egress"],
        "egress": [{"to": [{**_in("ollama"), "podSelector": {"matchLabels": {
            "app.kubernetes.io/name": "ollama", "app.kubernetes.io/instance": "ollama"}}}],
            "ports": [{"protocol": "TCP", "port": 11434}]}],
    }
    assert not [n for n in names(capture) if n.startswith("ollama-egress-to")]


def test_unexposed_app_without_clients_admits_nothing(run_with):
    capture = run_with({"exposure": {"kind": "none"}, "ollama.models.pull": []})
    assert capture.error is None
    assert "ollama-allow-app-port" not in names(capture) and "ollama-deny-ingress" in names(capture)
    assert not [r for r in capture.registrations if r.type == "kubernetes:cilium.io/v2:CiliumNetworkPolicy"]


@pytest.mark.parametrize("app", APPS)
def test_app_namespaces_enforce_baseline_and_warn_restricted(homelab: Capture, app):
    assert named(homelab, f"{app}-namespace").inputs["metadata"]["labels"] == {
        "pod-security.kubernetes.io/enforce": "baseline",
        "pod-security.kubernetes.io/audit": "restricted",
        "pod-security.kubernetes.io/warn": "restricted",
    }


def test_comfyui_pods_get_no_api_token_and_no_privileges(homelab: Capture):
    pod = named(homelab, "comfyui-deployment").inputs["spec"]["template"]["spec"]
    assert pod["automountServiceAccountToken"] is False
    assert pod["securityContext"] == {"seccompProfile": {"type": "RuntimeDefault"}}
    for container in pod["containers"] + pod["initContainers"]:
        assert container["securityContext"] == {"allowPrivilegeEscalation": False, "capabilities": {"drop": ["ALL"]}}


def test_ollama_pods_get_no_api_token_and_no_privileges(homelab: Capture):
    values = named(homelab, "ollama-release").inputs["values"]
    assert values["serviceAccount"] == {"automount": False}
    assert values["securityContext"] == {"allowPrivilegeEscalation": False, "capabilities": {"drop": ["ALL"]}}
    assert values["podSecurityContext"] == {"seccompProfile": {"type": "RuntimeDefault"}}
