"""homelab-ai-gpu's policies with the same names, kinds and levels, each validating nothing.

What the SDK does per policy (deserializing the resource, building the stack's resource list)
is paid here too, so the real pack's cost over this one is its rules' own.
"""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "policies"))

from pulumi_policy import PolicyPack, ResourceValidationPolicy, StackValidationPolicy  # noqa: E402

from gpu_policies.pack import POLICIES  # noqa: E402


def nothing(args, report_violation):
    return None


PolicyPack(
    name="homelab-ai-gpu-noop",
    policies=[
        (ResourceValidationPolicy if isinstance(policy, ResourceValidationPolicy) else StackValidationPolicy)(
            name=policy.name, description=policy.description, validate=nothing,
            enforcement_level=policy.enforcement_level,
        )
        for policy in POLICIES
    ],
)
