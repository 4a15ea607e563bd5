"""The one pod and container security context every app pod of the stack runs with.

The app images (Ollama, the yanwk ComfyUI images) run as root and write only below their data
volume: they need no capability, no privilege escalation and no Kubernetes API token. Spelled
once as Kubernetes writes it, for charts' values, and once as the SDK's typed args, for the
program's own pods.
"""

from __future__ import annotations

from typing import Any

import pulumi_kubernetes as k8s

CONTAINER_SECURITY: dict[str, Any] = {"allowPrivilegeEscalation": False, "capabilities": {"drop": ["ALL"]}}
POD_SECURITY: dict[str, Any] = {"seccompProfile": {"type": "RuntimeDefault"}}


def container_security() -> k8s.core.v1.SecurityContextArgs:
    """CONTAINER_SECURITY as a container's typed security context."""
    return k8s.core.v1.SecurityContextArgs(
        allow_privilege_escalation=CONTAINER_SECURITY["allowPrivilegeEscalation"],
        capabilities=k8s.core.v1.CapabilitiesArgs(drop=CONTAINER_SECURITY["capabilities"]["drop"]),
    )


def pod_security(**non_root: Any) -> k8s.core.v1.PodSecurityContextArgs:
    """POD_SECURITY as a pod's typed security context, with ``non_root`` (run_as_user and the like)
    for a pod whose image needs no root."""
    return k8s.core.v1.PodSecurityContextArgs(
        **non_root, seccomp_profile=k8s.core.v1.SeccompProfileArgs(type=POD_SECURITY["seccompProfile"]["type"]),
    )
