"""Model and data caches: PersistentVolumeClaims the program owns and never lets go of."""

from __future__ import annotations

from typing import Optional

import pulumi
import pulumi_kubernetes as k8s

from stack_config import Storage


def kept(opts: pulumi.ResourceOptions) -> pulumi.ResourceOptions:
    """``opts`` plus what keeps a cache: `protect` (Pulumi refuses to delete or replace it) and
    `retain_on_delete` (a delete, once protection is lifted, only forgets it)."""
    return pulumi.ResourceOptions.merge(opts, pulumi.ResourceOptions(protect=True, retain_on_delete=True))


def protected_claim(
    name: str, *, claim_name: str, namespace: pulumi.Input[str], storage: Storage, opts: pulumi.ResourceOptions,
    labels: Optional[dict[str, str]] = None,
) -> k8s.core.v1.PersistentVolumeClaim:
    """A ReadWriteOnce claim that `pulumi destroy`, a release replacement or `helm uninstall` leave alone.

    `protect` makes Pulumi refuse to delete or replace it; `retain_on_delete` keeps it in the
    cluster even when protection is lifted and the stack is destroyed on purpose. Its Namespace
    needs the same (``app_namespace``): deleting a Namespace deletes every claim in it.
    """
    return k8s.core.v1.PersistentVolumeClaim(
        name,
        # Labels change in place: adding or removing a backup never replaces the claim.
        metadata=k8s.meta.v1.ObjectMetaArgs(name=claim_name, namespace=namespace, labels=labels or None),
        spec=k8s.core.v1.PersistentVolumeClaimSpecArgs(
            access_modes=["ReadWriteOnce"],
            storage_class_name=storage.storage_class,
            resources=k8s.core.v1.VolumeResourceRequirementsArgs(requests={"storage": storage.size}),
        ),
        opts=kept(opts),
    )
