"""Policies for GPU workloads on Kubernetes, as the homelab-ai-gpu policy pack runs them.

`workloads` finds the pod template in any workload kind and in the values of the Helm charts it
knows; `rules` holds one pure validator per rule; `config` the options a stack can set; `pack`
turns them into the pack's policies.
"""
