"""The rules, one validator each: pure functions from a pod template (or the stack's resources)
and their settings to violation messages that name the resource, the container and the fix.

Each validator reads only what its rule needs, in the order that reads least: whether the pod asks
for a GPU before anything about it, so a value unknown during preview stops only the rules that
really depend on it. A value of the wrong type passes: the API server rejects it, and a policy
violation would only repeat that.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from .workloads import (
    ACCESS_ANNOTATION,
    NETWORK_POLICY_TYPE,
    PVC_TYPE,
    GpuRequest,
    GpuResources,
    Malformed,
    PodTemplate,
    dig,
    gpus_per_pod,
    has_key,
    mapping,
    metadata_namespace,
    pod_template,
    route_kind,
    sequence,
    shown,
)

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


# --- the stack ---


@dataclass(frozen=True)
class StackResource:
    type: str
    name: str
    urn: str
    props: Mapping[str, Any]
    protect: bool


@dataclass(frozen=True)
class Violation:
    urn: str
    message: str


def _gpu_pods(resources: Sequence[StackResource], gpu: GpuResources) -> list[tuple[StackResource, PodTemplate]]:
    return [
        (resource, pod)
        for resource in resources
        if (pod := pod_template(resource.type, resource.name, resource.props)) is not None and pod.gpu_requests(gpu)
    ]


def _gpu_workloads_by_namespace(gpu_pods: Sequence[tuple[StackResource, PodTemplate]]) -> dict[str, list[str]]:
    """The labels of the GPU workloads in each namespace ("" is the provider's default namespace)."""
    workloads: dict[str, list[str]] = {}
    for _, pod in gpu_pods:
        workloads.setdefault(pod.namespace(), []).append(pod.label)
    return workloads


def _where(namespace: str) -> str:
    return f"namespace '{shown(namespace)}'" if namespace else "the default namespace"


def unprotected_claim_violations(resources: Sequence[StackResource], gpu: GpuResources) -> list[Violation]:
    """A GPU app's volumes hold its models and outputs: every PVC in a namespace that runs a GPU
    workload must be a protected Pulumi resource, and a chart must not own the claim it mounts."""
    gpu_pods = _gpu_pods(resources, gpu)
    violations = [
        Violation(
            resource.urn,
            f"{pod.label}: {claim.path} is empty, so the chart creates the PVC itself and `helm uninstall` "
            f"deletes it with the data; declare the PVC as a protected resource and set {claim.path} to its name.",
        )
        for resource, pod in gpu_pods
        if (claim := pod.chart_owned_claim()) is not None
    ]
    workloads = _gpu_workloads_by_namespace(gpu_pods)
    for resource in resources:
        if resource.type != PVC_TYPE or resource.protect:
            continue
        namespace = metadata_namespace(resource.props)
        if namespace not in workloads:
            continue
        violations.append(
            Violation(
                resource.urn,
                f"PersistentVolumeClaim '{shown(resource.name)}' in {_where(namespace)}, beside the GPU workload "
                f"{', '.join(workloads[namespace])}, is not protected; set the resource options protect=True "
                "(and retain_on_delete=True) so that no destroy or replacement deletes its data.",
            )
        )
    return violations


@dataclass(frozen=True)
class GpuDemand:
    """What one workload holds of the GPUs: its pods' share, and the extra a rollout starts."""

    label: str
    replicas: int
    per_pod: Decimal
    surge: int

    @property
    def steady(self) -> Decimal:
        return self.replicas * self.per_pod

    @property
    def peak(self) -> Decimal:
        return (self.replicas + self.surge) * self.per_pod

    def __str__(self) -> str:
        text = f"{self.label} {self.replicas} pod(s) x {self.per_pod.normalize():f} GPU"
        return text + (f" (+{self.surge} pod(s) during a RollingUpdate)" if self.surge else "")


def _uncountable(label: str, what: str, value: Malformed) -> str:
    return (
        f"{label}: {what} is {value}, which is no number of GPUs or pods the scheduler can count, so the stack's "
        "GPU demand is unknown; write a whole number (a percentage for maxSurge)."
    )


def gpu_demands(resources: Sequence[StackResource], gpu: GpuResources) -> tuple[list[GpuDemand], list[str]]:
    """Each GPU workload's demand, and a message for every count in them no one can count."""
    demands, uncountable = [], []
    for resource in resources:
        pod = pod_template(resource.type, resource.name, resource.props)
        if pod is None or not (requests := pod.gpu_requests(gpu)):
            continue
        uncountable += [
            _uncountable(pod.label, f"container '{shown(r.container.name)}' {shown(r.resource)}", r.count)
            for r in requests if isinstance(r.count, Malformed)
        ]
        replicas = pod.replicas()
        if isinstance(replicas, Malformed):
            uncountable.append(_uncountable(pod.label, "the replica count", replicas))
            continue
        if not replicas:
            continue
        surge = pod.rollout_surge(replicas)
        if isinstance(surge, Malformed):
            uncountable.append(_uncountable(pod.label, "maxSurge", surge))
            surge = 0
        if per_pod := gpus_per_pod(requests):
            demands.append(GpuDemand(pod.label, replicas, per_pod, surge))
    return demands, uncountable


def capacity_violations(resources: Sequence[StackResource], gpu: GpuResources, gpus: int, replicas_per_gpu: int) -> list[str]:
    """Every GPU pod the stack runs must fit the GPUs there are, rollouts included: a pod beyond
    capacity waits Pending for a GPU no one frees, and the preview is the last cheap place to see it.
    A count no one can count is reported too; the rest of the stack is still counted."""
    demands, uncountable = gpu_demands(resources, gpu)
    capacity = gpus * replicas_per_gpu
    steady = sum((d.steady for d in demands), Decimal(0))
    # Rollouts happen one workload at a time: the worst one sets the peak.
    peak = steady + max((d.peak - d.steady for d in demands), default=Decimal(0))
    if peak <= capacity:
        return uncountable
    running = "; ".join(str(d) for d in demands)
    during = f" ({steady.normalize():f} while running, {peak.normalize():f} during a rollout)" if peak > steady else ""
    over = (
        f"the stack asks for {peak.normalize():f} GPU(s){during} but the cluster has {capacity} "
        f"({gpus} GPU(s) x {replicas_per_gpu} replica(s) per GPU): {running}. Pods beyond capacity stay "
        "Pending; run fewer GPU pods (scale or disable an app), use Recreate, or time-slice the GPU "
        "and set this policy's gpus and replicasPerGpu to match."
    )
    return [over, *uncountable]


def unguarded_route_violations(
    resources: Sequence[StackResource], gpu: GpuResources, access_annotations: Sequence[str], acknowledged: Sequence[str]
) -> list[Violation]:
    """A route into a GPU app's namespace must say what guards it: GPU apps such as Ollama and
    ComfyUI authenticate no one, and whoever reaches them can pull models or run code."""
    workloads = _gpu_workloads_by_namespace(_gpu_pods(resources, gpu))
    violations = []
    for resource in resources:
        kind = route_kind(resource.type)
        if kind is None:
            continue
        namespace = metadata_namespace(resource.props)
        if namespace not in workloads:
            continue
        annotations = mapping(dig(resource.props, ("metadata", "annotations")))
        guarded = any(key in access_annotations and annotations[key] for key in annotations)
        said = annotations.get(ACCESS_ANNOTATION)
        if guarded or said in acknowledged:
            continue
        how = f"is marked {ACCESS_ANNOTATION}: {shown(said)}" if isinstance(said, str) and said else "names no guard"
        violations.append(Violation(
            resource.urn,
            f"{kind} '{shown(resource.name)}' exposes {_where(namespace)}, which runs {', '.join(workloads[namespace])}, "
            f"and {how}; give the app a source allowlist or forward-auth ({', '.join(access_annotations)}), or "
            f"apply it at the Gateway and set metadata.annotations.{ACCESS_ANNOTATION}: {acknowledged[0] if acknowledged else 'gateway-enforced'}.",
        ))
    return violations


def missing_default_deny_violations(resources: Sequence[StackResource], gpu: GpuResources) -> list[Violation]:
    """A GPU app's namespace should deny ingress by default, so only what a NetworkPolicy names can
    reach an app that authenticates no one."""
    workloads = _gpu_workloads_by_namespace(_gpu_pods(resources, gpu))
    denied = {
        metadata_namespace(resource.props) for resource in resources
        if resource.type == NETWORK_POLICY_TYPE and _denies_all_ingress(mapping(resource.props.get("spec")))
    }
    return [
        Violation("", f"{_where(namespace).capitalize()} runs {', '.join(labels)} but has no default-deny ingress "
                      "NetworkPolicy; add one with podSelector: {} and policyTypes: [Ingress], then allow the app "
                      "port from the gateway's namespace only.")
        for namespace, labels in workloads.items() if namespace not in denied
    ]


def _denies_all_ingress(spec: Mapping[str, Any]) -> bool:
    selector = spec.get("podSelector")
    types = sequence(spec.get("policyTypes"))
    # With no policyTypes written, a policy governs Ingress (and Egress only if it has egress rules).
    governs_ingress = "Ingress" in types if types else True
    return (
        isinstance(selector, Mapping) and not selector.get("matchLabels") and not selector.get("matchExpressions")
        and governs_ingress and not sequence(spec.get("ingress"))
    )
