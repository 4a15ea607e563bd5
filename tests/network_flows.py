"""Evaluates the NetworkPolicies and CiliumNetworkPolicies a program run registers, as the
Kubernetes spec and Cilium evaluate them, for one connection at a time.

Model (what a real cluster with Cilium does):
- A pod is isolated for a direction once any policy selecting it has that direction (a
  NetworkPolicy's `policyTypes`, a CiliumNetworkPolicy's `ingress`/`egress` section); an isolated
  pod accepts what any selecting policy allows (policies add up).
- NetworkPolicy peers: `namespaceSelector` matches namespace labels (every namespace carries
  `kubernetes.io/metadata.name`), `podSelector` pod labels in the policy's own namespace unless a
  namespaceSelector is given; `ipBlock` (with `except`) matches addresses outside the cluster only
  (Cilium derives CIDR identities only for non-cluster addresses; pods and nodes keep their own).
- Cilium's Gateway/Ingress Envoy reaches pods as the reserved `ingress` identity: no namespace,
  no pod labels, matched only by `fromEntities: [ingress]` (or `cluster`/`all`).
- The node's own traffic (kubelet probes) is always allowed (Kubernetes docs, "Network Policies";
  Cilium `allow-localhost: always` under Kubernetes).
- A connection is allowed when the source's egress and the destination's ingress both allow it.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field
from typing import Any, Mapping, Optional, Union

from registrations import of_type

from offline_preview.capture import Capture

NETWORK_POLICY = "kubernetes:networking.k8s.io/v1:NetworkPolicy"
CILIUM_POLICY = "kubernetes:cilium.io/v2:CiliumNetworkPolicy"


@dataclass(frozen=True)
class Pod:
    namespace: str
    labels: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class External:
    """An address outside the pod network: the internet, the LAN, a node, a service VIP."""

    ip: str


@dataclass(frozen=True)
class Entity:
    """A Cilium reserved identity: `ingress` (Gateway/Ingress Envoy) or `host` (the node, kubelet)."""

    name: str


Endpoint = Union[Pod, External, Entity]


def _selector_matches(selector: Optional[Mapping[str, Any]], labels: Mapping[str, str]) -> bool:
    if selector is None:
        return True
    for key, value in (selector.get("matchLabels") or {}).items():
        if labels.get(key) != value:
            return False
    for expression in selector.get("matchExpressions") or []:
        key, operator, values = expression["key"], expression["operator"], expression.get("values", [])
        present = key in labels
        if operator == "In" and not (present and labels[key] in values):
            return False
        if operator == "NotIn" and present and labels[key] in values:
            return False
        if operator == "Exists" and not present:
            return False
        if operator == "DoesNotExist" and present:
            return False
    return True


def _namespace_labels(namespace: str) -> dict[str, str]:
    return {"kubernetes.io/metadata.name": namespace}


def _peer_matches(peer: Mapping[str, Any], policy_namespace: str, other: Endpoint) -> bool:
    if "ipBlock" in peer:
        if not isinstance(other, External):
            return False
        address = ipaddress.ip_address(other.ip)
        block = peer["ipBlock"]
        network = ipaddress.ip_network(block["cidr"])
        if address.version != network.version or address not in network:
            return False
        return not any(address in ipaddress.ip_network(c) for c in block.get("except", [])
                       if ipaddress.ip_network(c).version == address.version)
    if not isinstance(other, Pod):
        return False
    if "namespaceSelector" in peer:
        if not _selector_matches(peer["namespaceSelector"], _namespace_labels(other.namespace)):
            return False
    elif other.namespace != policy_namespace:
        return False
    return _selector_matches(peer.get("podSelector"), other.labels)


def _ports_match(ports: Optional[list[Mapping[str, Any]]], port: int, protocol: str) -> bool:
    if not ports:
        return True
    return any(int(p.get("port", port)) == port and p.get("protocol", "TCP") == protocol for p in ports)


def _entity_matches(entities: list[str], other: Endpoint) -> bool:
    if not isinstance(other, Entity):
        return False
    # `cluster` covers every in-cluster identity, the reserved ones included; `all` everything.
    return other.name in entities or "all" in entities or "cluster" in entities


class Policies:
    def __init__(self, capture: Capture):
        self.network_policies = [r.inputs for r in of_type(capture, NETWORK_POLICY)]
        self.cilium_policies = [r.inputs for r in of_type(capture, CILIUM_POLICY)]

    def _selecting(self, pod: Pod, direction: str) -> tuple[list[Mapping[str, Any]], list[Mapping[str, Any]]]:
        """(rules of NetworkPolicies, rules of CiliumNetworkPolicies) that isolate ``pod`` in ``direction``."""
        key = direction.lower()
        kube: list[Mapping[str, Any]] = []
        cilium: list[Mapping[str, Any]] = []
        for policy in self.network_policies:
            spec = policy["spec"]
            types = spec.get("policyTypes") or (["Ingress"] + (["Egress"] if "egress" in spec else []))
            if (policy["metadata"]["namespace"] == pod.namespace and direction in types
                    and _selector_matches(spec.get("podSelector"), pod.labels)):
                kube.append({"namespace": pod.namespace, "rules": spec.get(key, [])})
        for policy in self.cilium_policies:
            spec = policy["spec"]
            if (policy["metadata"]["namespace"] == pod.namespace and key in spec
                    and _selector_matches(spec.get("endpointSelector"), pod.labels)):
                cilium.append({"rules": spec[key]})
        return kube, cilium

    def _admits(self, pod: Pod, direction: str, other: Endpoint, port: int, protocol: str) -> bool:
        kube, cilium = self._selecting(pod, direction)
        if not kube and not cilium:
            return True
        peers_key = "from" if direction == "Ingress" else "to"
        entities_key = "fromEntities" if direction == "Ingress" else "toEntities"
        for policy in kube:
            for rule in policy["rules"]:
                peers = rule.get(peers_key)
                if (not peers or any(_peer_matches(p, policy["namespace"], other) for p in peers)) \
                        and _ports_match(rule.get("ports"), port, protocol):
                    return True
        for policy in cilium:
            for rule in policy["rules"]:
                ports = [p for to_port in rule.get("toPorts", []) for p in to_port.get("ports", [])]
                if _entity_matches(rule.get(entities_key, []), other) and _ports_match(ports, port, protocol):
                    return True
        return False

    def allows(self, source: Endpoint, destination: Endpoint, port: int, protocol: str = "TCP") -> bool:
        if source == Entity("host"):
            return True
        if isinstance(source, Pod) and not self._admits(source, "Egress", destination, port, protocol):
            return False
        if isinstance(destination, Pod):
            return self._admits(destination, "Ingress", source, port, protocol)
        return True
