"""NetworkPolicies that fence an app namespace: nothing in but the app port from named namespaces,
nothing out but DNS and the public internet.

They only bite on a CNI that enforces NetworkPolicy (Cilium, Calico; Flannel only with its
policy support switched on).
"""

from __future__ import annotations

from typing import Optional, Sequence

import pulumi
import pulumi_kubernetes as k8s

# Private, shared and link-local ranges: an app that can be told to fetch a URL (Ollama's
# /api/pull, ComfyUI-Manager's installs) must not be turned against the LAN, the cluster or the
# cloud metadata endpoint. Public registries and model hubs stay reachable.
BLOCKED_EGRESS_V4 = ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10", "169.254.0.0/16", "127.0.0.0/8"]
BLOCKED_EGRESS_V6 = ["fc00::/7", "fe80::/10", "::1/128"]


def _namespaces_named(names: Sequence[str]) -> k8s.meta.v1.LabelSelectorArgs:
    # Every namespace carries kubernetes.io/metadata.name (Kubernetes 1.22+), unlike custom labels.
    return k8s.meta.v1.LabelSelectorArgs(match_expressions=[k8s.meta.v1.LabelSelectorRequirementArgs(
        key="kubernetes.io/metadata.name", operator="In", values=sorted(names),
    )])


def fence_app_namespace(
    name: str,
    *,
    namespace: pulumi.Input[str],
    app_labels: dict[str, str],
    port: int,
    let_in_from: Sequence[str],
    opts: pulumi.ResourceOptions,
) -> list[k8s.networking.v1.NetworkPolicy]:
    """Default-deny ingress, DNS and public egress, and the app port open to ``let_in_from`` namespaces."""
    every_pod = k8s.meta.v1.LabelSelectorArgs()
    policies = [
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
                        to=[k8s.networking.v1.NetworkPolicyPeerArgs(
                            namespace_selector=_namespaces_named(["kube-system"]),
                            pod_selector=k8s.meta.v1.LabelSelectorArgs(match_labels={"k8s-app": "kube-dns"}),
                        )],
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
    if let_in_from:
        policies.append(k8s.networking.v1.NetworkPolicy(
            f"{name}-allow-app-port",
            metadata=k8s.meta.v1.ObjectMetaArgs(name="allow-app-port", namespace=namespace),
            spec=k8s.networking.v1.NetworkPolicySpecArgs(
                pod_selector=k8s.meta.v1.LabelSelectorArgs(match_labels=app_labels),
                policy_types=["Ingress"],
                ingress=[k8s.networking.v1.NetworkPolicyIngressRuleArgs(
                    from_=[k8s.networking.v1.NetworkPolicyPeerArgs(namespace_selector=_namespaces_named(let_in_from))],
                    ports=[k8s.networking.v1.NetworkPolicyPortArgs(protocol="TCP", port=port)],
                )],
            ),
            opts=opts,
        ))
    return policies


def namespaces_let_in(controller_namespace: Optional[str], client_namespaces: Sequence[str]) -> list[str]:
    """Who may reach an app's port: the exposure's controller, if anything is exposed, and named clients."""
    return sorted({*client_namespaces, *([controller_namespace] if controller_namespace else [])})
