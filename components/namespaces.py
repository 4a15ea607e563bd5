"""Namespaces the program owns, each with its Pod Security level written down."""

from __future__ import annotations

import pulumi
import pulumi_kubernetes as k8s


def namespace_with_pod_security(
    name: str, *, namespace: str, level: str, opts: pulumi.ResourceOptions
) -> k8s.core.v1.Namespace:
    """A Namespace whose Pod Security admission enforces, audits and warns at ``level``.

    Talos enforces `baseline` cluster-wide by default; writing the level on the namespace makes
    the program, not the cluster's defaults, the place where it is decided.
    """
    return k8s.core.v1.Namespace(
        name,
        metadata=k8s.meta.v1.ObjectMetaArgs(
            name=namespace,
            labels={f"pod-security.kubernetes.io/{mode}": level for mode in ("enforce", "audit", "warn")},
        ),
        opts=opts,
    )
