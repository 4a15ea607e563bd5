"""Namespaces the program owns, each with its Pod Security levels written down."""

from __future__ import annotations

from typing import Optional

import pulumi
import pulumi_kubernetes as k8s

from components.storage import kept


def namespace_with_pod_security(
    name: str, *, namespace: str, enforce: str, warn: Optional[str] = None, opts: pulumi.ResourceOptions
) -> k8s.core.v1.Namespace:
    """A Namespace whose Pod Security admission enforces ``enforce`` and audits and warns at ``warn``.

    Talos enforces `baseline` cluster-wide by default; writing the levels on the namespace makes
    the program, not the cluster's defaults, the place where they are decided.
    """
    warn = warn or enforce
    return k8s.core.v1.Namespace(
        name,
        metadata=k8s.meta.v1.ObjectMetaArgs(
            name=namespace,
            labels={
                "pod-security.kubernetes.io/enforce": enforce,
                "pod-security.kubernetes.io/audit": warn,
                "pod-security.kubernetes.io/warn": warn,
            },
        ),
        opts=opts,
    )


def app_namespace(name: str, *, namespace: str, opts: pulumi.ResourceOptions) -> k8s.core.v1.Namespace:
    """An app's namespace: `baseline` enforced; `restricted`, which needs non-root images, audited and warned about.

    It holds the app's cache, and Kubernetes deletes every PVC in a Namespace it deletes
    (Longhorn's default StorageClass then deletes the volume: `reclaimPolicy: Delete`), so it is
    kept exactly as the cache is.
    """
    return namespace_with_pod_security(name, namespace=namespace, enforce="baseline", warn="restricted", opts=kept(opts))
