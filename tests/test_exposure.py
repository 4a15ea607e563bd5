"""Each exposure kind: Gateway API HTTPRoutes, Ingresses, or nothing reachable from outside."""

from __future__ import annotations

import pytest
from registrations import named, of_type

from components.exposure import ROUTE_ACCEPTED
from offline_preview.capture import Capture

APPS = [("ollama", "ollama.madhan.app", "ollama", 11434), ("comfyui", "comfyui.madhan.app", "comfyui", 8188)]


@pytest.mark.parametrize("app, host, service, port", APPS)
def test_gateway_exposure_attaches_an_httproute_to_the_homelab_gateway(homelab: Capture, app, host, service, port):
    route = named(homelab, f"{app}-route").inputs
    assert route["apiVersion"] == "gateway.networking.k8s.io/v1" and route["kind"] == "HTTPRoute"
    assert route["metadata"] == {
        "name": service, "namespace": app,
        "annotations": {"homelab-ai/access": "gateway-enforced", "pulumi.com/waitFor": ROUTE_ACCEPTED},
    }
    assert route["spec"] == {
        "parentRefs": [{"name": "homelab-gateway", "namespace": "kube-system"}],
        "hostnames": [host],
        "rules": [{
            "matches": [{"path": {"type": "PathPrefix", "value": "/"}}],
            "backendRefs": [{"name": service, "port": port}],
            # Long enough for a streamed answer or a slow upload (route.requestTimeout's default).
            "timeouts": {"request": "10m"},
        }],
    }


def test_gateway_listener_can_be_chosen(run_with):
    capture = run_with({"exposure.gateway.sectionName": "http"})
    assert named(capture, "ollama-route").inputs["spec"]["parentRefs"] == [
        {"name": "homelab-gateway", "namespace": "kube-system", "sectionName": "http"}]


@pytest.mark.parametrize("app, host, service, port", APPS)
def test_ingress_exposure_routes_the_hostname_with_the_configured_class(run_with, app, host, service, port):
    capture = run_with({"exposure.kind": "ingress", "exposure.ingress": {"className": "nginx", "preservesClientAddress": True},
                        "exposure.scheme": "https",
                        "exposure.controllerNamespace": "ingress-nginx"})
    assert capture.error is None
    assert of_type(capture, "kubernetes:gateway.networking.k8s.io/v1:HTTPRoute") == []
    ingress = named(capture, f"{app}-ingress").inputs
    assert ingress["metadata"] == {
        "name": service, "namespace": app,
        "annotations": {
            "nginx.ingress.kubernetes.io/whitelist-source-range": "192.168.1.0/24",
            "nginx.ingress.kubernetes.io/proxy-read-timeout": "600",
            "nginx.ingress.kubernetes.io/proxy-send-timeout": "600",
            "nginx.ingress.kubernetes.io/proxy-body-size": "100m",
            # The stack does not say its controller publishes an address: nothing waits for one.
            "pulumi.com/skipAwait": "true",
        },
    }
    assert ingress["spec"] == {
        "ingressClassName": "nginx",
        "rules": [{"host": host, "http": {"paths": [{
            "path": "/", "pathType": "Prefix",
            "backend": {"service": {"name": service, "port": {"number": port}}},
        }]}}],
    }
    assert capture.outputs[f"{app}Url"] == f"https://{host}"


def test_no_exposure_registers_no_route_and_exports_no_external_url(run_with):
    capture = run_with({"exposure": {"kind": "none"}})
    assert capture.error is None
    assert not [r for r in capture.registrations if r.type.endswith(("HTTPRoute", "Ingress"))]
    # The engine drops outputs whose value is None: the stack simply has no external URLs.
    assert "ollamaUrl" not in capture.outputs and "comfyuiUrl" not in capture.outputs
    assert capture.outputs["ollamaInternalUrl"] == "http://ollama.ollama.svc.cluster.local:11434"


def test_an_unconfigured_stack_exposes_nothing(run_with):
    """With no exposure section at all the default is `none`: no app is reachable by accident."""
    capture = run_with({"exposure": {}, "ollama.hostname": "", "comfyui.hostname": ""})
    assert capture.error is None
    assert not [r for r in capture.registrations if r.type.endswith(("HTTPRoute", "Ingress"))]


def test_ingress_waits_for_an_address_only_when_the_controller_publishes_one(run_with):
    ingress = {"exposure.kind": "ingress", "exposure.controllerNamespace": "ingress-nginx"}
    skipping = run_with({**ingress, "exposure.ingress": {"className": "nginx", "preservesClientAddress": True}})
    waiting = run_with({**ingress, "exposure.ingress": {"className": "nginx", "preservesClientAddress": True, "publishesAddress": True}})
    for app in ("ollama", "comfyui"):
        assert named(skipping, f"{app}-ingress").inputs["metadata"]["annotations"]["pulumi.com/skipAwait"] == "true"
        assert "pulumi.com/skipAwait" not in named(waiting, f"{app}-ingress").inputs["metadata"]["annotations"]
        assert not named(waiting, f"{app}-ingress").request.customTimeouts.create
