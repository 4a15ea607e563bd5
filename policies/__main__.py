"""The homelab-ai-gpu policy pack: `pulumi preview --policy-pack policies` runs this file."""

from pulumi_policy import PolicyPack

from gpu_policies.names import PACK
from gpu_policies.pack import POLICIES

PolicyPack(
    name=PACK,
    description="Guards for GPU workloads on Kubernetes: NVIDIA runtime class, Recreate rollouts, "
    "GPU node pinning, memory limits, pinned images and protected model volumes.",
    policies=POLICIES,
)
