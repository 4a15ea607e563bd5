"""NetworkPolicies that fence an app namespace: nothing in but the app port from what the stack
names, nothing out but DNS, the public internet and the in-cluster apps the namespace is a client of.

They only bite on a CNI that enforces NetworkPolicy (Cilium, Calico; Flannel only with its
policy support switched on). Kubelet probes come from the node itself, which NetworkPolicy
never blocks (Kubernetes docs, "Network Policies": traffic to and from the node where a Pod runs
is always allowed; Cilium: `allow-localhost` defaults to `always` on Kubernetes, daemon/cmd).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Mapping, Optional, Sequence

import pulumi
import pulumi_kubernetes as k8s

from stack_config import AppConfig, ExposureConfig

# Private, shared and link-local ranges: an app that can be told to fetch a URL (Ollama's
# /api/pull, ComfyUI-Manager's installs) must not be turned against the LAN, the cluster or the
# cloud metadata endpoint. Public registries and model hubs stay reachable.
BLOCKED_EGRESS_V4 = ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10", "169.254.0.0/16", "127.0.0.0/8"]
BLOCKED_EGRESS_V6 = ["fc00::/7", "fe80::/10", "::1/128"]

# The labels each Gateway/Ingress implementation puts on the proxy pods that open connections
# to the backends (their own selectors, so they are stable across upgrades):
# - envoy-gateway: the Envoy proxy pods, envoyproxy/gateway
#   internal/infrastructure/kubernetes/proxy/resource.go (envoyLabels / EnvoyAppLabel);
# - traefik: traefik/traefik-helm-chart templates/_helpers.tpl "traefik.labelselector" (name;
#   the instance label is `<release>-<namespace>` and is left out);
# - ingress-nginx: kubernetes/ingress-nginx charts/ingress-nginx/templates/_helpers.tpl
#   "ingress-nginx.selectorLabels" plus the controller Deployment's `component: controller`.
# Cilium has no proxy pods: its node Envoy hands Gateway and Ingress traffic to pods as the
# reserved `ingress` identity, which has no namespace, so no NetworkPolicy namespaceSelector
# matches it (Cilium docs, "Gateway API support", reference; cilium/cilium#36509). Only a
# CiliumNetworkPolicy `fromEntities: [ingress]` does.
PROXY_POD_LABELS: dict[str, dict[str, str]] = {
    "envoy-gateway": {"app.kubernetes.io/name": "envoy", "app.kubernetes.io/component": "proxy",
                      "app.kubernetes.io/managed-by": "envoy-gateway"},
    "traefik": {"app.kubernetes.io/name": "traefik"},
    "ingress-nginx": {"app.kubernetes.io/name": "ingress-nginx", "app.kubernetes.io/component": "controller"},
}
CILIUM_INGRESS_ENTITY = "ingress"


@dataclass(frozen=True)
class Peer:
    """Pods a rule names: those in ``namespace`` carrying ``pod_labels`` (every pod there when empty)."""

    namespace: str
    pod_labels: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class AppEndpoint:
    """An app's port as its clients reach it, and the namespaces it lets in."""

    pods: Peer
    port: int
    client_namespaces: tuple[str, ...]

    @classmethod
    def of(cls, app: AppConfig, pod_labels: Mapping[str, str]) -> AppEndpoint:
        """The endpoint of the app ``app`` configures, whose Service selects ``pod_labels``."""
        return cls(Peer(app.namespace, dict(pod_labels)), app.port, app.access.client_namespaces)


def controller_peer(exposure: ExposureConfig) -> Optional[Peer]:
    """The proxy pods that bring the routes' traffic in; None when nothing is exposed or Cilium's Envoy carries it."""
    implementation = exposure.controller_implementation
    if exposure.controller_namespace is None or implementation in (None, "cilium"):
        return None
    labels = exposure.controller_pod_labels or PROXY_POD_LABELS[implementation]
    return Peer(exposure.controller_namespace, dict(labels))


def _namespaces_named(names: Sequence[str]) -> k8s.meta.v1.LabelSelectorArgs:
    # Every namespace carries kubernetes.io/metadata.name (Kubernetes 1.22+), unlike custom labels.
    return k8s.meta.v1.LabelSelectorArgs(match_expressions=[k8s.meta.v1.LabelSelectorRequirementArgs(
        key="kubernetes.io/metadata.name", operator="In", values=sorted(names),
    )])


def _peer(peer: Peer) -> k8s.networking.v1.NetworkPolicyPeerArgs:
    return k8s.networking.v1.NetworkPolicyPeerArgs(
        namespace_selector=_namespaces_named([peer.namespace]),
        pod_selector=k8s.meta.v1.LabelSelectorArgs(match_labels=dict(peer.pod_labels)) if peer.pod_labels else None,
    )


def allow_egress_to(
    name: str, *, policy_name: str, namespace: pulumi.Input[str], from_labels: Mapping[str, str], to: AppEndpoint,
    opts: pulumi.ResourceOptions,
) -> k8s.networking.v1.NetworkPolicy:
    """Lets the pods with ``from_labels`` (every pod when empty) out to one in-cluster app port, which the
    namespace's egress fence otherwise blocks with the private ranges."""
    return k8s.networking.v1.NetworkPolicy(
        name,
        metadata=k8s.meta.v1.ObjectMetaArgs(name=policy_name, namespace=namespace),
        spec=k8s.networking.v1.NetworkPolicySpecArgs(
            pod_selector=k8s.meta.v1.LabelSelectorArgs(match_labels=dict(from_labels) if from_labels else None),
            policy_types=["Egress"],
            egress=[k8s.networking.v1.NetworkPolicyEgressRuleArgs(
                to=[_peer(to.pods)],
                ports=[k8s.networking.v1.NetworkPolicyPortArgs(protocol="TCP", port=to.port)],
            )],
        ),
        opts=opts,
    )


def fence_app_namespace(
    name: str,
    *,
    namespace: pulumi.Input[str],
    app_labels: dict[str, str],
    port: int,
    let_in: Sequence[Peer],
    let_in_cilium_ingress: bool,
    let_out_to: Sequence[AppEndpoint] = (),
    opts: pulumi.ResourceOptions,
) -> list[pulumi.CustomResource]:
    """Default-deny ingress; DNS and public egress; the app port open to ``let_in`` and, on Cilium, to
    its Gateway/Ingress Envoy; egress to each app in ``let_out_to``."""
    every_pod = k8s.meta.v1.LabelSelectorArgs()
    policies: list[pulumi.CustomResource] = [
        k8s.networking.v1.NetworkPolicy(
            f"{name}-deny-ingress",
            metadata=k8s.meta.v1.ObjectMetaArgs(name="default-deny-ingress", namespace=namespace),
            spec=k8s.networking.v1.NetworkPolicySpecArgs(pod_selector=every_pod, policy_types=["Ingress"]),
            opts=opts,
        ),
        k8s.networking.v1.NetworkPolicy(
            f"{name}-egress",
            metadata=k8s.meta.v1.ObjectMetaArgs(name="dns-and-internet-egress", namespace=namespace),
            spec=k8s.networking.v1.NetworkPolicySpecArgs(
                pod_selector=every_pod,
                policy_types=["Egress"],
                egress=[
                    k8s.networking.v1.NetworkPolicyEgressRuleArgs(
                        to=[_peer(Peer("kube-system", {"k8s-app": "kube-dns"}))],
                        ports=[k8s.networking.v1.NetworkPolicyPortArgs(protocol=protocol, port=53)
                               for protocol in ("UDP", "TCP")],
                    ),
                    k8s.networking.v1.NetworkPolicyEgressRuleArgs(to=[
                        k8s.networking.v1.NetworkPolicyPeerArgs(ip_block=k8s.networking.v1.IPBlockArgs(
                            cidr="0.0.0.0/0", except_=BLOCKED_EGRESS_V4)),
                        k8s.networking.v1.NetworkPolicyPeerArgs(ip_block=k8s.networking.v1.IPBlockArgs(
                            cidr="::/0", except_=BLOCKED_EGRESS_V6)),
                    ]),
                ],
            ),
            opts=opts,
        ),
    ]
    if let_in:
        policies.append(k8s.networking.v1.NetworkPolicy(
            f"{name}-allow-app-port",
            metadata=k8s.meta.v1.ObjectMetaArgs(name="allow-app-port", namespace=namespace),
            spec=k8s.networking.v1.NetworkPolicySpecArgs(
                pod_selector=k8s.meta.v1.LabelSelectorArgs(match_labels=app_labels),
                policy_types=["Ingress"],
                ingress=[k8s.networking.v1.NetworkPolicyIngressRuleArgs(
                    from_=[_peer(peer) for peer in sorted(let_in, key=lambda p: (p.namespace, sorted(p.pod_labels.items())))],
                    ports=[k8s.networking.v1.NetworkPolicyPortArgs(protocol="TCP", port=port)],
                )],
            ),
            opts=opts,
        ))
    if let_in_cilium_ingress:
        # The CRD exists on every Cilium cluster; the rule adds to the NetworkPolicies above
        # (Cilium allows what any policy selecting the pod allows).
        policies.append(k8s.apiextensions.CustomResource(
            f"{name}-allow-gateway",
            api_version="cilium.io/v2",
            kind="CiliumNetworkPolicy",
            metadata=k8s.meta.v1.ObjectMetaArgs(name="allow-gateway-to-app-port", namespace=namespace),
            spec={
                "endpointSelector": {"matchLabels": dict(app_labels)},
                "ingress": [{
                    "fromEntities": [CILIUM_INGRESS_ENTITY],
                    "toPorts": [{"ports": [{"port": str(port), "protocol": "TCP"}]}],
                }],
            },
            opts=opts,
        ))
    for target in let_out_to:
        policies.append(allow_egress_to(
            f"{name}-egress-to-{target.pods.namespace}", policy_name=f"egress-to-{target.pods.namespace}",
            namespace=namespace, from_labels={}, to=target, opts=opts,
        ))
    return policies


def ingress_peers(exposure: ExposureConfig, client_namespaces: Sequence[str], own: Sequence[Peer] = ()) -> list[Peer]:
    """Who may reach an app's port through NetworkPolicy: the exposure's proxy pods, named client
    namespaces, and the app's own helpers (``own``)."""
    controller = controller_peer(exposure)
    return [*([controller] if controller else []), *(Peer(n) for n in sorted(set(client_namespaces))), *own]


def lets_in_cilium_ingress(exposure: ExposureConfig) -> bool:
    return exposure.kind != "none" and exposure.controller_implementation == "cilium"


def clients_of(namespace: str, apps: Sequence[AppEndpoint]) -> list[AppEndpoint]:
    """The apps that let ``namespace`` in: its pods must also be let out to them."""
    return [app for app in apps if namespace in app.client_namespaces and app.pods.namespace != namespace]
