"""The stack rules, one validator each: pure functions from every resource of the stack (with its
`protect` option) and the policy's settings to violations, each naming the resource it is about
(or none, when it is about the stack as a whole)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Optional

from .backups import BACKUP_TASKS, claim_jobs, recurring_jobs
from .charts import chart_name
from .config import Settings
from .dispatch import NETWORK_POLICY_TYPE, PVC_TYPE, RELEASE_TYPE, pod_template, route_kind
from .logins import CHART_LOGINS, Login
from .names import ACCESS_ANNOTATION, APP_LOGIN_ACCESS, VRAM_BUDGET_ANNOTATION
from .protocol import GpuResources, PodTemplate, gpus_per_pod
from .readers import Malformed, dig, mapping, metadata_namespace, sequence, shown
from .vram import ollama_footprint, size, vram_budget


@dataclass(frozen=True)
class StackResource:
    type: str
    name: str
    urn: str
    props: Mapping[str, Any]
    protect: bool


@dataclass(frozen=True)
class Violation:
    urn: Optional[str]
    """The resource the violation is about; None when it is the stack's as a whole."""
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


def unprotected_claim_violations(resources: Sequence[StackResource], settings: Settings) -> list[Violation]:
    """A GPU app's volumes hold its models and outputs: every PVC in a namespace that runs a GPU
    workload must be a protected Pulumi resource, and a chart must not own the claim it mounts."""
    gpu_pods = _gpu_pods(resources, settings.gpu)
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


def capacity_violations(resources: Sequence[StackResource], settings: Settings) -> list[Violation]:
    """Every GPU pod the stack runs must fit the GPUs there are, rollouts included: a pod beyond
    capacity waits Pending for a GPU no one frees, and the preview is the last cheap place to see it.
    A count no one can count is reported too; the rest of the stack is still counted."""
    gpus, replicas_per_gpu = settings.gpus, settings.replicas_per_gpu
    demands, uncountable = gpu_demands(resources, settings.gpu)
    capacity = gpus * replicas_per_gpu
    steady = sum((d.steady for d in demands), Decimal(0))
    # Rollouts happen one workload at a time: the worst one sets the peak.
    peak = steady + max((d.peak - d.steady for d in demands), default=Decimal(0))
    if peak <= capacity:
        return [Violation(None, message) for message in uncountable]
    running = "; ".join(str(d) for d in demands)
    during = f" ({steady.normalize():f} while running, {peak.normalize():f} during a rollout)" if peak > steady else ""
    over = (
        f"the stack asks for {peak.normalize():f} GPU(s){during} but the cluster has {capacity} "
        f"({gpus} GPU(s) x {replicas_per_gpu} replica(s) per GPU): {running}. Pods beyond capacity stay "
        "Pending; run fewer GPU pods (scale or disable an app), use Recreate, or time-slice the GPU "
        "and set this policy's gpus and replicasPerGpu to match."
    )
    return [Violation(None, message) for message in (over, *uncountable)]


def _app_logins(resources: Sequence[StackResource]) -> dict[str, Login]:
    """The login of each namespace's app that has one of its own, read from its release ("" is the default namespace)."""
    logins: dict[str, Login] = {}
    for resource in resources:
        read = CHART_LOGINS.get(chart_name(resource.props.get("chart"))) if resource.type == RELEASE_TYPE else None
        if read is not None:
            namespace = resource.props.get("namespace")
            logins[namespace if isinstance(namespace, str) else ""] = read(mapping(resource.props.get("values")))
    return logins


def unguarded_route_violations(resources: Sequence[StackResource], settings: Settings) -> list[Violation]:
    """A route into a GPU app's namespace must say what guards it: GPU apps such as Ollama and
    ComfyUI authenticate no one, and whoever reaches them can pull models or run code. A route into
    an app with a login of its own (Open WebUI) may rest on that login, once the app's release shows it
    keeps strangers out."""
    access_annotations, acknowledged = settings.access_annotations, settings.acknowledged_access
    workloads = _gpu_workloads_by_namespace(_gpu_pods(resources, settings.gpu))
    logins = _app_logins(resources)
    violations = []
    for resource in resources:
        kind = route_kind(resource.type)
        if kind is None:
            continue
        namespace = metadata_namespace(resource.props)
        login = logins.get(namespace)
        if namespace not in workloads and login is None:
            continue
        annotations = mapping(dig(resource.props, ("metadata", "annotations")))
        guarded = any(key in access_annotations and annotations[key] for key in annotations)
        said = annotations.get(ACCESS_ANNOTATION)
        if guarded or said in acknowledged:
            continue
        if said == APP_LOGIN_ACCESS and login is not None and login.guards and namespace not in workloads:
            continue
        how = f"is marked {ACCESS_ANNOTATION}: {shown(said)}" if isinstance(said, str) and said else "names no guard"
        runs = [*workloads.get(namespace, []), *([login.app] if login else [])]
        because = f"; {login.app} {login.refusal}" if login is not None and login.refusal else ""
        violations.append(Violation(
            resource.urn,
            f"{kind} '{shown(resource.name)}' exposes {_where(namespace)}, which runs {', '.join(runs)}, "
            f"and {how}{because}; give the app a source allowlist or forward-auth ({', '.join(access_annotations)}), or "
            f"apply it at the Gateway and set metadata.annotations.{ACCESS_ANNOTATION}: {acknowledged[0] if acknowledged else 'gateway-enforced'}.",
        ))
    return violations


def missing_default_deny_violations(resources: Sequence[StackResource], settings: Settings) -> list[Violation]:
    """A GPU app's namespace should deny ingress by default, so only what a NetworkPolicy names can
    reach an app that authenticates no one."""
    workloads = _gpu_workloads_by_namespace(_gpu_pods(resources, settings.gpu))
    denied = {
        metadata_namespace(resource.props) for resource in resources
        if resource.type == NETWORK_POLICY_TYPE and _denies_all_ingress(mapping(resource.props.get("spec")))
    }
    return [
        Violation(None, f"{_where(namespace).capitalize()} runs {', '.join(labels)} but has no default-deny ingress "
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


@dataclass(frozen=True)
class VramClaim:
    label: str
    replicas: int
    budget: int

    def __str__(self) -> str:
        return f"{self.label} {self.replicas} pod(s) x {size(self.budget)}"


def _running_gpu_pods(resources: Sequence[StackResource], gpu: GpuResources) -> list[tuple[PodTemplate, int]]:
    """Each GPU pod template that runs pods, with how many (uncountable ones are the capacity policy's to report)."""
    running = []
    for _, pod in _gpu_pods(resources, gpu):
        replicas = pod.replicas()
        if isinstance(replicas, int) and replicas > 0:
            running.append((pod, replicas))
    return running


def vram_plan_violations(resources: Sequence[StackResource], settings: Settings) -> list[Violation]:
    """The VRAM budgets of the GPU pods that share the cards, with each card's slack, must fit the cards'
    memory: time-slicing isolates no memory, and an over-committed card fails at the second model load
    (out of memory, or layers quietly on the CPU). Only stacks that declare budgets are checked; once
    one does, every pod sharing a time-sliced card must, or the sum means nothing."""
    claims, unbudgeted, violations = [], [], []
    for pod, replicas in _running_gpu_pods(resources, settings.gpu):
        budget = vram_budget(pod)
        if budget is None:
            unbudgeted.append(pod.label)
        elif isinstance(budget, Malformed):
            violations.append(Violation(None, f"{pod.label}: its VRAM budget (annotation {VRAM_BUDGET_ANNOTATION}) is "
                                              f"{budget}, not a whole number of bytes."))
        else:
            claims.append(VramClaim(pod.label, replicas, budget))
    if not claims and not violations:
        return []
    memory, slack, gpus = settings.gpu_memory, settings.vram_slack, settings.gpus
    if not memory:
        return violations + [Violation(None, "the stack declares VRAM budgets, but this policy's gpuMemory (bytes of each "
                                             "GPU) is not set, so nothing can say whether they fit; `python -m "
                                             "policy_pack_config <stack>` writes it from gpu.memory.")]
    if settings.replicas_per_gpu > 1 and unbudgeted:
        violations.append(Violation(None, f"{', '.join(unbudgeted)} share(s) the time-sliced GPUs with budgeted pods but "
                                          f"declare(s) no VRAM budget (annotation {VRAM_BUDGET_ANNOTATION}), so the "
                                          "budgets cannot keep anything free; give every GPU app a budget."))
    usable = memory - slack
    violations += [Violation(None, f"{claim.label}: its VRAM budget of {size(claim.budget)} does not fit one GPU "
                                   f"({size(memory)}, less the {size(slack)} slack: {size(max(usable, 0))}).")
                   for claim in claims if claim.budget > usable]
    total = sum(claim.replicas * claim.budget for claim in claims)
    if total + gpus * slack > gpus * memory:
        violations.append(Violation(None, (
            f"the GPU pods' VRAM budgets add up to {size(total)}, and with the {size(slack)} slack per GPU to "
            f"{size(total + gpus * slack)}, more than the {size(gpus * memory)} of {gpus} GPU(s) of {size(memory)}: "
            f"{'; '.join(str(claim) for claim in claims)}. Time-slicing isolates no memory; lower a budget "
            "(<app>.vram.budget), or give the card to one app at a time.")))
    return violations


def vram_footprint_violations(resources: Sequence[StackResource], settings: Settings) -> list[Violation]:
    """A budgeted Ollama server must hold, within its budget, what its own settings fix before any weights:
    a runner's context per model and each model's K/V cache for every slot. Weights come on top."""
    violations = []
    for pod, _ in _running_gpu_pods(resources, settings.gpu):
        budget = vram_budget(pod)
        gpus = gpus_per_pod(pod.gpu_requests(settings.gpu))
        footprint = ollama_footprint(pod, int(gpus) if gpus >= 1 else 1, settings.gpu_memory)
        if isinstance(budget, int) and footprint is not None and footprint.total > budget:
            violations.append(Violation(None, (
                f"{pod.label}: its settings alone hold {footprint}, more than its VRAM budget of {size(budget)} "
                "before a single weight is loaded; load fewer models (OLLAMA_MAX_LOADED_MODELS), fewer slots "
                "(OLLAMA_NUM_PARALLEL), a shorter context (OLLAMA_CONTEXT_LENGTH) or a quantized K/V cache, or raise the budget.")))
    return violations


def unbacked_user_data_violations(resources: Sequence[StackResource], settings: Settings) -> list[Violation]:
    """A claim a GPU workload writes to (ComfyUI's outputs, inputs, workflows and custom nodes) should be
    in a Longhorn backup job of the stack: protect and retainOnDelete keep it from Pulumi, not from a
    failed disk. Claims of the charts the pack knows hold only downloads (Ollama's models)."""
    jobs = recurring_jobs(resources)
    claims = {(metadata_namespace(r.props), name): r for r in resources
              if r.type == PVC_TYPE and isinstance(name := dig(r.props, ("metadata", "name")), str)}
    violations = []
    for _, pod in _gpu_pods(resources, settings.gpu):
        for claim_name in pod.written_claims():
            claim = claims.get((pod.namespace(), claim_name))
            if claim is None:
                continue
            joined = claim_jobs(claim.props, jobs)
            if any(job.task in BACKUP_TASKS for job in joined):
                continue
            held = ("only in snapshots, which live on the volume's own disks" if joined
                    else "in no Longhorn backup job of the stack")
            violations.append(Violation(claim.urn, (
                f"{pod.label} writes to PersistentVolumeClaim '{shown(claim_name)}' in {_where(pod.namespace())}, whose data is "
                f"{held}: a failed disk loses what cannot be downloaded again. Join it to a RecurringJob with task backup "
                "(labels recurring-job.longhorn.io/source and recurring-job.longhorn.io/<job>: enabled); in homelab-ai, "
                "<app>.backup.schedule and backups.target (docs/data-safety.md).")))
    return violations
