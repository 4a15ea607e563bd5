"""The pod rules, one validator each: pure functions from one pod template and its settings to
violation messages that name the resource, the container and the fix.

Each validator reads only what its rule needs, in the order that reads least: whether the pod asks
for a GPU before anything about it, so a value unknown during preview stops only the rules that
really depend on it. A value of the wrong type passes: the API server rejects it, and a policy
violation would only repeat that.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from .protocol import GpuRequest, GpuResources, PodTemplate
from .readers import dig, has_key, mapping, sequence, shown

RECREATE = "Recreate"
# Operators under which a required node affinity term can only match nodes carrying the label.
PINNING_OPERATORS = ("In", "Exists")


def _asks(requests: Sequence[GpuRequest]) -> str:
    return ", ".join(str(request) for request in requests)


def runtime_class_violations(
    pod: PodTemplate, gpu: GpuResources, allowed: Sequence[str], cdi_injection: bool = False
) -> list[str]:
    """A GPU pod must run under an allowed RuntimeClass: without it containerd's default runc
    handler starts the container, and the NVIDIA libraries and devices never reach it.

    Where the runtime injects GPUs as CDI devices (`cdi_injection`), the default runtime gets
    them too, and only a class the pod does name must be an allowed one."""
    requests = pod.gpu_requests(gpu)
    if not requests:
        return []
    current = pod.runtime_class()
    if current.value is not None and not isinstance(current.value, str):
        return []
    if current.value in allowed or (cdi_injection and not current.value):
        return []
    has = f"runtimeClassName is '{shown(current.value)}'" if current.value else "the pod sets no runtimeClassName"
    others = f" (allowed: {', '.join(allowed)})" if len(allowed) > 1 else ""
    return [f"{pod.label}: {_asks(requests)} but {has}; set {current.path}: {allowed[0]}{others}."]


def update_strategy_violations(pod: PodTemplate, gpu: GpuResources) -> list[str]:
    """A GPU Deployment must be replaced with Recreate: a rolling update starts the new pod while
    the old one holds the GPU, and the new pod stays Pending for good."""
    if not pod.has_update_strategy:
        return []
    requests = pod.gpu_requests(gpu)
    if not requests:
        return []
    strategy = pod.update_strategy()
    if not isinstance(strategy.value, str) or strategy.value == RECREATE:
        return []
    default = " (the Kubernetes default)" if strategy.defaulted else ""
    return [
        f"{pod.label}: {_asks(requests)} but the Deployment updates with {strategy.value}{default}, "
        f"which starts the new pod while the old one still holds the GPU; set {strategy.path}: {RECREATE}."
    ]


def node_pinning_violations(pod: PodTemplate, gpu: GpuResources, labels: Sequence[str]) -> list[str]:
    """A GPU pod should select GPU nodes by label, through nodeSelector or required node affinity."""
    requests = pod.gpu_requests(gpu)
    if not requests:
        return []
    selector, affinity = pod.node_selector(), pod.affinity()
    if any(value is not None and not isinstance(value, Mapping) for value in (selector.value, affinity.value)):
        return []
    if any(key in labels for key in mapping(selector.value)) or _affinity_requires(mapping(affinity.value), labels):
        return []
    return [
        f"{pod.label}: {_asks(requests)} but the pod selects no GPU node; add {' or '.join(labels)} "
        f"to {selector.path}, or require it under {affinity.path}.nodeAffinity."
    ]


def _affinity_requires(affinity: Mapping[str, Any], labels: Sequence[str]) -> bool:
    terms = sequence(
        dig(affinity, ("nodeAffinity", "requiredDuringSchedulingIgnoredDuringExecution", "nodeSelectorTerms"))
    )
    # Node selector terms are ORed: the pod is pinned only when every term requires a GPU label.
    return bool(terms) and all(_term_requires(term, labels) for term in terms)


def _term_requires(term: Any, labels: Sequence[str]) -> bool:
    return any(
        mapping(expression).get("key") in labels and mapping(expression).get("operator") in PINNING_OPERATORS
        for expression in sequence(mapping(term).get("matchExpressions"))
    )


def memory_limit_violations(pod: PodTemplate, gpu: GpuResources) -> list[str]:
    """A GPU container should limit its host memory: loading a model can take all of the node's RAM."""
    violations = []
    for request in pod.gpu_requests(gpu):
        resources = request.container.resources
        if has_key(mapping(resources.value.get("limits")), "memory"):
            continue
        violations.append(
            f"{pod.label}: {request} but sets no memory limit; set {resources.path}.limits.memory "
            "(host memory; the GPU's own memory is not counted there)."
        )
    return violations


def mutable_image_violations(pod: PodTemplate, mutable_tags: Sequence[str]) -> list[str]:
    """A container should run an image pinned by version tag or digest, not one a push can move."""
    violations = []
    for container in pod.containers():
        tag = container.image_tag()
        if tag.value is None or (tag.value and tag.value not in mutable_tags):
            continue
        runs = f"the mutable tag '{shown(tag.value)}'" if tag.value else "an image with no tag (Kubernetes pulls latest)"
        violations.append(
            f"{pod.label}: container '{shown(container.name)}' runs {runs}, which can become another image on the "
            f"next pull; pin {tag.path} to a version tag or a digest."
        )
    return violations
