"""One offline preview: the program's registrations through the pack, and the CLI's "Policies:" report."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from .capture import Capture
from .engine import Diagnostic, PolicyEngine, Resource, pack_version

# pkg/backend/display/progress.go sorts violations by these ranks, then by policy name and URN.
ENFORCEMENT_RANK: Mapping[str, int] = {"remediate": 0, "mandatory": 1, "advisory": 2, "disabled": 3}
SEVERITY_RANK: Mapping[str, int] = {"critical": 0, "high": 1, "medium": 2, "low": 3, "": 4}


def analyzer_resources(capture: Capture) -> list[Resource]:
    """Each registered resource as the engine hands it to an analyzer: its inputs as registered."""
    return [Resource(r.type, r.name, r.request.object, r.urn, r.protect, r.parent) for r in capture.registrations]


def root_stack_urn(project: str, stack: str) -> str:
    return f"urn:pulumi:{stack}::{project}::pulumi:pulumi:Stack::{project}-{stack}"


@dataclass(frozen=True)
class Violation:
    """A diagnostic with the URN the engine attributes it to."""

    diagnostic: Diagnostic
    urn: str


def analyze(engine: PolicyEngine, resources: Sequence[Resource], stack_urn: str) -> list[Violation]:
    """Analyze per resource, then AnalyzeStack with all of them, as the step generator calls them.

    A resource policy's diagnostic belongs to the resource analyzed; a stack policy's to the resource
    it names when that is in the stack, otherwise to the root stack (resolveStackPolicyViolationURN in
    pkg/resource/deploy). AnalyzeStack's remediate level counts as mandatory.
    """
    violations = [
        Violation(diagnostic, resource.urn)
        for resource in resources
        for diagnostic in engine.analyze_resource(resource)
    ]
    in_stack = {resource.urn for resource in resources}
    for diagnostic in engine.analyze_stack(resources):
        if diagnostic.level == "remediate":
            diagnostic = Diagnostic(diagnostic.policy, "mandatory", diagnostic.message, diagnostic.urn, diagnostic.severity)
        violations.append(Violation(diagnostic, diagnostic.urn if diagnostic.urn in in_stack else stack_urn))
    return violations


def display_type(type_: str) -> str:
    """tokens.Type.DisplayName: `pkg:module/path:Name` shortens to `pkg:module:Name` only when path is `name`."""
    parts = type_.split(":")
    if len(parts) != 3 or not parts[2] or "/" not in parts[1]:
        return type_
    module, _, file = parts[1].rpartition("/")
    name = parts[2]
    return f"{parts[0]}:{module}:{name}" if file == name[0].lower() + name[1:] else type_


def _resource_clause(urn: str) -> str:
    parts = urn.split("::")
    if not urn.startswith("urn:pulumi:") or len(parts) < 4:
        return ""
    type_ = parts[2].rsplit("$", 1)[-1]
    return f"  ({display_type(type_)}: {parts[3]})"


def render_policies(pack_name: str, version: str, local_path: str, violations: Sequence[Violation]) -> str:
    """The "Policies:" section as `pulumi preview` prints it without colour (printPolicies and
    renderDiffPolicyViolationEvent in pkg/backend/display)."""
    ordered = sorted(
        violations,
        key=lambda v: (
            ENFORCEMENT_RANK.get(v.diagnostic.level, 99),
            SEVERITY_RANK.get(v.diagnostic.severity, 99),
            v.diagnostic.policy,
            v.urn,
        ),
    )
    mark = "✅"
    for violation in ordered:
        if violation.diagnostic.level == "mandatory":
            mark = "❌"
            break
        mark = "⚠️"
    lines = ["Policies:", f"    {mark} {pack_name}@v{version} (local: {local_path})"]
    for violation in ordered:
        diagnostic = violation.diagnostic
        severity = f" [severity: {diagnostic.severity}]" if diagnostic.severity else ""
        lines.append(
            f"        - [{diagnostic.level}]{severity}  {diagnostic.policy}{_resource_clause(violation.urn)}"
        )
        message = diagnostic.message.removesuffix("\n").replace("\n", "\n          ")
        lines.append(f"          {message}")
    return "\n".join(lines) + "\n"


def has_mandatory(violations: Sequence[Violation]) -> bool:
    return any(v.diagnostic.level == "mandatory" for v in violations)


def run_pack(
    engine: PolicyEngine, capture: Capture, policy_pack_config: Mapping[str, Any], project: str, stack: str
) -> tuple[str, list[Violation]]:
    """Configures the pack, analyzes the capture, and returns the report with its violations."""
    engine.configure(policy_pack_config)
    violations = analyze(engine, analyzer_resources(capture), root_stack_urn(project, stack))
    info = engine.info()
    return render_policies(info.name, pack_version(), "policies", violations), violations
