"""The flows that matter, through the policies the program registers, evaluated as the spec and Cilium do."""

from __future__ import annotations

import pytest
from network_flows import Entity, External, Pod, Policies

from offline_preview.capture import Capture

OLLAMA = Pod("ollama", {"app.kubernetes.io/name": "ollama", "app.kubernetes.io/instance": "ollama",
                        "app.kubernetes.io/version": "0.17.1"})
COMFYUI = Pod("comfyui", {"app.kubernetes.io/name": "comfyui", "app.kubernetes.io/part-of": "homelab-ai"})
APPS = {"ollama": (OLLAMA, 11434), "comfyui": (COMFYUI, 8188)}
GATEWAY = Entity("ingress")
KUBELET = Entity("host")
COREDNS = Pod("kube-system", {"k8s-app": "kube-dns"})
KUBE_SYSTEM_OTHERS = [Pod("kube-system", {"k8s-app": "metrics-server"}), Pod("kube-system", {"app": "cilium-operator"})]
# registry.ollama.ai and huggingface.co sit behind public CDN addresses.
PUBLIC_REGISTRY = External("104.21.75.227")
DENIED_DESTINATIONS = {
    "metadata": (External("169.254.169.254"), 80),
    "lan": (External("192.168.1.20"), 22),
    "node-ip": (External("192.168.1.14"), 10250),
    "api-server-service": (External("10.96.0.1"), 443),
    "api-server-on-node": (External("192.168.1.10"), 6443),
}


@pytest.fixture(scope="module")
def flows(homelab: Capture) -> Policies:
    return Policies(homelab)


@pytest.mark.parametrize("app", APPS)
def test_the_homelab_gateway_reaches_each_app_port(flows: Policies, app):
    pod, port = APPS[app]
    assert flows.allows(GATEWAY, pod, port)


@pytest.mark.parametrize("app", APPS)
def test_the_gateway_reaches_no_other_port(flows: Policies, app):
    pod, _ = APPS[app]
    assert not flows.allows(GATEWAY, pod, 22)


@pytest.mark.parametrize("app", APPS)
@pytest.mark.parametrize("source", KUBE_SYSTEM_OTHERS + [COREDNS], ids=lambda p: "-".join(p.labels.values()))
def test_other_kube_system_pods_do_not_reach_the_apps(flows: Policies, app, source):
    pod, port = APPS[app]
    assert not flows.allows(source, pod, port)


@pytest.mark.parametrize("app", APPS)
def test_kubelet_probes_reach_the_app(flows: Policies, app):
    pod, port = APPS[app]
    assert flows.allows(KUBELET, pod, port)


@pytest.mark.parametrize("app", APPS)
@pytest.mark.parametrize("protocol", ["UDP", "TCP"])
def test_apps_resolve_names(flows: Policies, app, protocol):
    assert flows.allows(APPS[app][0], COREDNS, 53, protocol)


@pytest.mark.parametrize("app", APPS)
def test_apps_reach_public_model_registries(flows: Policies, app):
    assert flows.allows(APPS[app][0], PUBLIC_REGISTRY, 443)


@pytest.mark.parametrize("app", APPS)
@pytest.mark.parametrize("destination", DENIED_DESTINATIONS, ids=str)
def test_apps_cannot_reach_metadata_lan_or_api_server(flows: Policies, app, destination):
    target, port = DENIED_DESTINATIONS[destination]
    assert not flows.allows(APPS[app][0], target, port)


def test_apps_do_not_reach_each_other_unless_let_in(flows: Policies):
    assert not flows.allows(COMFYUI, OLLAMA, 11434)
    assert not flows.allows(OLLAMA, COMFYUI, 8188)


def test_an_allowed_client_namespace_really_reaches_ollama(run_with):
    flows = Policies(run_with({"ollama.access.clientNamespaces": ["comfyui", "open-webui"]}))
    assert flows.allows(COMFYUI, OLLAMA, 11434)
    assert flows.allows(Pod("open-webui", {"app": "open-webui"}), OLLAMA, 11434)
    # Let out to Ollama's port only, not to the rest of the cluster.
    assert not flows.allows(COMFYUI, OLLAMA, 22)
    assert not flows.allows(COMFYUI, Pod("ollama", {"app": "other"}), 11434)
    assert not flows.allows(COMFYUI, External("10.96.0.1"), 443)
    assert not flows.allows(OLLAMA, COMFYUI, 8188)


@pytest.mark.parametrize("implementation, proxy", [
    ("envoy-gateway", {"app.kubernetes.io/name": "envoy", "app.kubernetes.io/component": "proxy",
                       "app.kubernetes.io/managed-by": "envoy-gateway", "gateway.envoyproxy.io/owning-gateway-name": "eg"}),
    ("traefik", {"app.kubernetes.io/name": "traefik", "app.kubernetes.io/instance": "traefik-traefik"}),
    ("ingress-nginx", {"app.kubernetes.io/name": "ingress-nginx", "app.kubernetes.io/instance": "ingress-nginx",
                       "app.kubernetes.io/component": "controller"}),
])
def test_other_gateways_reach_the_apps_from_their_proxy_pods_only(run_with, implementation, proxy):
    flows = Policies(run_with({"exposure.controller.implementation": implementation, "exposure.controllerNamespace": "edge"}))
    for pod, port in APPS.values():
        assert flows.allows(Pod("edge", proxy), pod, port)
        assert not flows.allows(Pod("edge", {"app.kubernetes.io/name": "cert-manager"}), pod, port)
        assert not flows.allows(GATEWAY, pod, port)


def test_an_unexposed_stack_lets_nothing_in(run_with):
    flows = Policies(run_with({"exposure": {"kind": "none"}}))
    for pod, port in APPS.values():
        assert not flows.allows(GATEWAY, pod, port)
        assert flows.allows(KUBELET, pod, port)
