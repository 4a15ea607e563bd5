"""The policies of the homelab-ai-gpu pack: each validator of `rules` with its name, enforcement
level, description and config schema.

A resource policy reads one resource's pod template; a stack policy sees every resource with its
options (`protect`) and can relate them. A new rule is a validator in `pod_rules` or `stack_rules` and one entry here.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from pulumi_policy import (
    EnforcementLevel,
    Policy,
    PolicyConfigSchema,
    ReportViolation,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    Severity,
    StackValidationArgs,
    StackValidationPolicy,
)

from . import pod_rules, stack_rules
from .config import Settings, schema_properties
from .dispatch import pod_template
from .names import (
    BACKED_UP_DATA,
    DEFAULT_DENY,
    GPU_CAPACITY,
    GPU_MEMORY_LIMIT,
    GPU_NODE_PINNING,
    GUARDED_ROUTES,
    IMMUTABLE_IMAGES,
    PROTECTED_CLAIMS,
    RECREATE_STRATEGY,
    RUNTIME_CLASS,
    VRAM_FOOTPRINT,
    VRAM_PLAN,
)
from .protocol import PodTemplate
from .stack_rules import StackResource, Violation

PodRule = Callable[[PodTemplate, Settings], list[str]]
StackRule = Callable[[Sequence[StackResource], Settings], list[Violation]]


def pod_policy(
    name: str,
    description: str,
    rule: PodRule,
    *,
    enforcement_level: EnforcementLevel,
    severity: Severity,
) -> ResourceValidationPolicy:
    def validate(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
        pod = pod_template(args.resource_type, args.name, args.props)
        if pod is None:
            return
        for message in rule(pod, Settings.read(args.get_config())):
            report_violation(message, None)

    return ResourceValidationPolicy(
        name=name,
        description=description,
        validate=validate,
        enforcement_level=enforcement_level,
        severity=severity,
        config_schema=PolicyConfigSchema(properties=schema_properties(name)),
    )


def stack_policy(
    name: str,
    description: str,
    rule: StackRule,
    *,
    enforcement_level: EnforcementLevel,
    severity: Severity,
) -> StackValidationPolicy:
    def validate(args: StackValidationArgs, report_violation: ReportViolation) -> None:
        resources = [StackResource(r.resource_type, r.name, r.urn, r.props, bool(r.opts.protect)) for r in args.resources]
        for violation in rule(resources, Settings.read(args.get_config())):
            report_violation(violation.message, violation.urn)

    return StackValidationPolicy(
        name=name,
        description=description,
        validate=validate,
        enforcement_level=enforcement_level,
        severity=severity,
        config_schema=PolicyConfigSchema(properties=schema_properties(name)),
    )


POLICIES: list[Policy] = [
    pod_policy(
        RUNTIME_CLASS,
        "Pods that ask for a GPU must set runtimeClassName to the NVIDIA RuntimeClass; under the default "
        "runtime the container starts without the GPU's devices and libraries, unless the runtime injects "
        "GPUs through CDI (cdiInjection).",
        lambda pod, settings: pod_rules.runtime_class_violations(
            pod, settings.gpu, settings.runtime_classes, settings.cdi_injection
        ),
        enforcement_level=EnforcementLevel.MANDATORY,
        severity=Severity.HIGH,
    ),
    pod_policy(
        RECREATE_STRATEGY,
        "Deployments whose pods ask for a GPU must use strategy.type Recreate; a rolling update (the "
        "Kubernetes default) starts the new pod while the old one holds the GPU, and the new pod stays Pending.",
        lambda pod, settings: pod_rules.update_strategy_violations(pod, settings.gpu),
        enforcement_level=EnforcementLevel.MANDATORY,
        severity=Severity.HIGH,
    ),
    pod_policy(
        GPU_NODE_PINNING,
        "Pods that ask for a GPU should select GPU nodes by label (nodeSelector or required node affinity), "
        "so that they land, or wait, only where the GPU stack runs.",
        lambda pod, settings: pod_rules.node_pinning_violations(pod, settings.gpu, settings.gpu_node_labels),
        enforcement_level=EnforcementLevel.ADVISORY,
        severity=Severity.MEDIUM,
    ),
    pod_policy(
        GPU_MEMORY_LIMIT,
        "Containers that ask for a GPU should set a memory limit; loading a model can otherwise take all "
        "of the node's memory.",
        lambda pod, settings: pod_rules.memory_limit_violations(pod, settings.gpu),
        enforcement_level=EnforcementLevel.ADVISORY,
        severity=Severity.MEDIUM,
    ),
    pod_policy(
        IMMUTABLE_IMAGES,
        "Containers should run images pinned by a version tag or a digest, not `latest` or no tag, so "
        "that a restart never pulls a different image.",
        lambda pod, settings: pod_rules.mutable_image_violations(pod, settings.mutable_tags),
        enforcement_level=EnforcementLevel.ADVISORY,
        severity=Severity.LOW,
    ),
    stack_policy(
        PROTECTED_CLAIMS,
        "PersistentVolumeClaims in a namespace that runs a GPU workload should be protected "
        "Pulumi resources, and a chart should mount an existing claim rather than own one; they hold "
        "models and outputs that take hours to rebuild.",
        stack_rules.unprotected_claim_violations,
        enforcement_level=EnforcementLevel.ADVISORY,
        severity=Severity.MEDIUM,
    ),
    stack_policy(
        GPU_CAPACITY,
        "The GPU pods the stack runs, and the extra pod a RollingUpdate starts, must fit the "
        "cluster's GPUs (gpus x replicasPerGpu); a pod beyond capacity stays Pending.",
        stack_rules.capacity_violations,
        enforcement_level=EnforcementLevel.MANDATORY,
        severity=Severity.HIGH,
    ),
    stack_policy(
        GUARDED_ROUTES,
        "Routes into a GPU app's namespace should carry a source allowlist or forward-auth, or say "
        "that the Gateway applies one; GPU apps such as Ollama and ComfyUI authenticate no one. A route "
        "into Open WebUI may rest on its own login while its release creates the admin and keeps sign-up off.",
        stack_rules.unguarded_route_violations,
        enforcement_level=EnforcementLevel.ADVISORY,
        severity=Severity.HIGH,
    ),
    stack_policy(
        DEFAULT_DENY,
        "Namespaces that run GPU apps should deny ingress by default with a NetworkPolicy, so only "
        "what a policy names can reach apps that authenticate no one.",
        stack_rules.missing_default_deny_violations,
        enforcement_level=EnforcementLevel.ADVISORY,
        severity=Severity.MEDIUM,
    ),
    stack_policy(
        VRAM_PLAN,
        "The VRAM budgets of the GPU pods sharing the cards (annotation homelab-ai/vram-budget), with each card's "
        "slack (vramSlack), must fit the cards' memory (gpuMemory x gpus); time-slicing isolates no memory, so an "
        "over-committed card runs out of memory or moves Ollama's layers to the CPU.",
        stack_rules.vram_plan_violations,
        enforcement_level=EnforcementLevel.MANDATORY,
        severity=Severity.HIGH,
    ),
    stack_policy(
        VRAM_FOOTPRINT,
        "A budgeted Ollama server's own settings (models, parallel slots, context, K/V cache type) should fit "
        "its VRAM budget before any weights: a runner's 457 MiB per model plus its K/V cache.",
        stack_rules.vram_footprint_violations,
        enforcement_level=EnforcementLevel.ADVISORY,
        severity=Severity.MEDIUM,
    ),
    stack_policy(
        BACKED_UP_DATA,
        "A claim a GPU workload writes to (ComfyUI's outputs and workflows) should be in a Longhorn RecurringJob "
        "of task backup; protect keeps it from Pulumi, not from a failed disk. Charts' model caches are left out.",
        stack_rules.unbacked_user_data_violations,
        enforcement_level=EnforcementLevel.ADVISORY,
        severity=Severity.MEDIUM,
    ),
]
