"""How an app's Service is reached from outside: a Gateway API HTTPRoute, an Ingress, or nothing."""

from __future__ import annotations

from typing import Optional, Sequence

import pulumi
import pulumi_kubernetes as k8s

from components.network_policies import AppEndpoint, Peer, fence_app_namespace, ingress_peers, lets_in_cilium_ingress
from gpu_policies.names import ACCESS_ANNOTATION, APP_LOGIN_ACCESS
from stack_config import Access, AppConfig, ExposureConfig, Route

# pulumi-kubernetes does not wait for custom resources unless told to: this makes `pulumi up`
# wait until the Gateway accepts the route, and fail with the route's status if it does not.
# The provider reads `jsonpath=` in kubectl's strict syntax and compares the first match
# (provider/pkg/jsonpath/jsonpath.go); a route has one parentRef, so parents[0] is the Gateway's.
# `condition=Accepted` would read .status.conditions, which an HTTPRoute does not have
# (provider/pkg/await/condition/custom.go).
ROUTE_ACCEPTED = 'jsonpath={.status.parents[0].conditions[?(@.type=="Accepted")].status}=True'
# A Gateway controller accepts or rejects a route within seconds.
ROUTE_ACCEPT_TIMEOUT = "3m"
# pulumi-kubernetes waits up to 10 minutes for an Ingress's .status.loadBalancer.ingress
# (provider/pkg/await/ingress.go), which a controller with no published address never writes;
# skipAwait makes that await immediate (provider/pkg/await/await.go, newLegacyReadyCondition).
SKIP_AWAIT = {"pulumi.com/skipAwait": "true"}


def access_annotations(exposure: ExposureConfig, access: Access, own_login_guards: bool = False) -> dict[str, str]:
    # An allowlist of every address (0.0.0.0/0) guards nothing: config accepts it only as public.
    if access.public or not access.protected:
        # The pack checks the app's own login from its release's values, not from this word.
        return {ACCESS_ANNOTATION: APP_LOGIN_ACCESS if own_login_guards and not access.public else "public"}
    if exposure.kind == "gateway":
        return {ACCESS_ANNOTATION: "gateway-enforced"}
    annotations = {}
    if access.allowed_sources and exposure.ingress_allowlist_annotation:
        annotations[exposure.ingress_allowlist_annotation] = ",".join(access.allowed_sources)
    if access.forward_auth_url and exposure.ingress_forward_auth_annotation:
        annotations[exposure.ingress_forward_auth_annotation] = access.forward_auth_url
    return annotations


def nginx_size(size: int) -> str:
    """Bytes in nginx's size syntax (k and m are 1024-based), which proxy-body-size takes."""
    for factor, suffix in ((2**20, "m"), (2**10, "k")):
        if size % factor == 0:
            return f"{size // factor}{suffix}"
    return str(size)


def route_annotations(exposure: ExposureConfig, route: Route) -> dict[str, str]:
    """The Ingress's request timeout and body size, under the annotation keys the stack names.

    ingress-nginx's defaults (docs/user-guide/nginx-configuration/configmap.md): 60 s between two
    reads or writes, which resets a long streamed answer, and a 1m body, which answers an image
    upload with 413. Its timeout annotations are whole seconds.
    """
    annotations = {}
    seconds = route.request_timeout_seconds
    if seconds is not None:
        for key in (exposure.ingress_read_timeout_annotation, exposure.ingress_send_timeout_annotation):
            if key:
                annotations[key] = str(seconds)
    if exposure.ingress_body_size_annotation:
        annotations[exposure.ingress_body_size_annotation] = nginx_size(route.max_upload_bytes)
    return annotations


def route_rule_timeouts(route: Route) -> dict[str, dict[str, str]]:
    """HTTPRoute `rules[].timeouts`: standard from Gateway API v1.2.0 (apis/v1/httproute_types.go,
    HTTPRouteTimeouts, support Extended), experimental only in v1.0 and v1.1. An HTTPRoute has no
    body-size field; the Gateway implementation's own limit applies."""
    return {"timeouts": {"request": route.request_timeout}} if route.request_timeout else {}


def external_url(exposure: ExposureConfig, hostname: Optional[str]) -> Optional[str]:
    if exposure.kind == "none" or hostname is None:
        return None
    return f"{exposure.scheme}://{hostname}"


def route_to_service(
    name: str,
    *,
    exposure: ExposureConfig,
    namespace: pulumi.Input[str],
    service_name: pulumi.Input[str],
    port: int,
    hostname: Optional[str],
    access: Access,
    route: Route,
    opts: pulumi.ResourceOptions,
    own_login_guards: bool = False,
) -> Optional[pulumi.CustomResource]:
    """Routes ``hostname`` to the Service, in the way the stack's exposure kind says.

    Config has already refused an exposed app that is neither protected nor declared public, and
    a Gateway route whose protection the Gateway has not been declared to apply.
    """
    if exposure.kind == "gateway":
        parent_ref = {"name": exposure.gateway_name, "namespace": exposure.gateway_namespace}
        if exposure.gateway_section:
            parent_ref["sectionName"] = exposure.gateway_section
        # The ollama chart (1.41.0) renders no HTTPRoute and ComfyUI has no chart: the route is ours.
        return k8s.apiextensions.CustomResource(
            f"{name}-route",
            api_version="gateway.networking.k8s.io/v1",
            kind="HTTPRoute",
            metadata=k8s.meta.v1.ObjectMetaArgs(
                name=service_name, namespace=namespace,
                annotations={**access_annotations(exposure, access, own_login_guards), "pulumi.com/waitFor": ROUTE_ACCEPTED},
            ),
            spec={
                "parentRefs": [parent_ref],
                "hostnames": [hostname],
                "rules": [{
                    "matches": [{"path": {"type": "PathPrefix", "value": "/"}}],
                    "backendRefs": [{"name": service_name, "port": port}],
                    **route_rule_timeouts(route),
                }],
            },
            opts=pulumi.ResourceOptions.merge(opts, pulumi.ResourceOptions(custom_timeouts=pulumi.CustomTimeouts(
                create=ROUTE_ACCEPT_TIMEOUT, update=ROUTE_ACCEPT_TIMEOUT))),
        )
    if exposure.kind == "ingress":
        return k8s.networking.v1.Ingress(
            f"{name}-ingress",
            metadata=k8s.meta.v1.ObjectMetaArgs(
                name=service_name, namespace=namespace,
                annotations={**access_annotations(exposure, access, own_login_guards), **route_annotations(exposure, route),
                             **({} if exposure.ingress_publishes_address else SKIP_AWAIT)},
            ),
            spec=k8s.networking.v1.IngressSpecArgs(
                ingress_class_name=exposure.ingress_class,
                rules=[k8s.networking.v1.IngressRuleArgs(
                    host=hostname,
                    http=k8s.networking.v1.HTTPIngressRuleValueArgs(paths=[
                        k8s.networking.v1.HTTPIngressPathArgs(
                            path="/",
                            path_type="Prefix",
                            backend=k8s.networking.v1.IngressBackendArgs(
                                service=k8s.networking.v1.IngressServiceBackendArgs(
                                    name=service_name,
                                    port=k8s.networking.v1.ServiceBackendPortArgs(number=port),
                                ),
                            ),
                        ),
                    ]),
                )],
            ),
            opts=opts,
        )
    return None


def expose_app(
    name: str,
    *,
    app: AppConfig,
    exposure: ExposureConfig,
    namespace: pulumi.Output[str],
    service_name: pulumi.Output[str],
    pod_labels: dict[str, str],
    own_clients: Sequence[Peer] = (),
    reaches: Sequence[AppEndpoint] = (),
    opts: pulumi.ResourceOptions,
) -> tuple[pulumi.Output[str], Optional[str]]:
    """Routes the app's hostname to its Service and fences its namespace; returns its internal and external URLs.

    ``own_clients`` are the app's own pods that call it (a model-pull Job); ``reaches`` the other
    apps that let this app's namespace in.
    """
    route_to_service(
        name, exposure=exposure, namespace=namespace, service_name=service_name, port=app.port,
        hostname=app.hostname, access=app.access, route=app.route, opts=opts, own_login_guards=app.own_login_guards,
    )
    fence_app_namespace(
        name, namespace=namespace, app_labels=pod_labels, port=app.port,
        let_in=ingress_peers(exposure, app.access.client_namespaces, own_clients),
        let_in_cilium_ingress=lets_in_cilium_ingress(exposure), let_out_to=reaches, opts=opts,
    )
    internal = pulumi.Output.concat("http://", service_name, ".", namespace, ".svc.cluster.local:", str(app.port))
    return internal, external_url(exposure, app.hostname)
