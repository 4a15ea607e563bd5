"""One way to declare a Helm release at a pinned chart version from the stack's chart config."""

from __future__ import annotations

from typing import Any, Optional

import pulumi
import pulumi_kubernetes as k8s

from stack_config.model import ChartRef


def pinned_release(
    resource_name: str,
    *,
    chart: str,
    pin: ChartRef,
    namespace: pulumi.Input[str],
    values: dict[str, Any],
    timeout: int,
    opts: pulumi.ResourceOptions,
    release_name: Optional[str] = None,
) -> k8s.helm.v3.Release:
    """A `helm.v3.Release` of ``chart`` at the version and repository ``pin`` names, named after the chart
    unless ``release_name`` says otherwise. ``timeout`` is Helm's own wait for the release's objects, in seconds."""
    return k8s.helm.v3.Release(
        resource_name,
        name=release_name or chart,
        chart=chart,
        version=pin.version,
        repository_opts=k8s.helm.v3.RepositoryOptsArgs(repo=pin.repository),
        namespace=namespace,
        values=values,
        timeout=timeout,
        opts=opts,
    )
