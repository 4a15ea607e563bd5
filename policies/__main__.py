"""The homelab-ai-gpu policy pack: `pulumi preview --policy-pack policies` runs this file."""

from pulumi_policy import PolicyPack

from gpu_policies.pack import POLICIES

PolicyPack(
    name="homelab-ai-gpu",
    description="Guards for GPU workloads on Kubernetes: NVIDIA runtime class, Recreate rollouts, "
    "GPU node pinning, memory limits, pinned images and protected model volumes.",
    policies=POLICIES,
)
