"""`gpu-demand-fits-capacity` over the Analyzer protocol: preview blocks the Pending deadlock."""

from __future__ import annotations

from typing import Any

import pytest
from analyzer_inputs import preview_diagnostics, resource
from policy_corpus import (
    GPU_CAPACITY,
    TYPES,
    changed,
    container,
    manifest,
    pod_spec,
    release,
)
from pulumi.runtime.rpc import UNKNOWN

from offline_preview.engine import Diagnostic, PolicyEngine, Resource

EXCLUSIVE = {"gpu.sharing": {"strategy": "exclusive"}}


def preview(engine: PolicyEngine, homelab_config: dict, changes: dict[str, Any],
            pack_config: dict | None = None) -> list[Diagnostic]:
    return preview_diagnostics(engine, homelab_config, changes, GPU_CAPACITY, pack_config)


def test_both_apps_on_one_exclusive_gpu_are_blocked_at_preview(engine, homelab_config):
    (diagnostic,) = preview(engine, homelab_config, EXCLUSIVE)
    assert diagnostic.level == "mandatory"
    message = diagnostic.message.split("\n", 1)[1]
    assert message.startswith("the stack asks for 2 GPU(s) but the cluster has 1 (1 GPU(s) x 1 replica(s) per GPU)")
    assert "Release 'ollama-release' (chart ollama) 1 pod(s) x 1 GPU" in message
    assert "Deployment 'comfyui-deployment' 1 pod(s) x 1 GPU" in message


@pytest.mark.parametrize("changes", [
    {},
    {"gpu.sharing.replicas": 4},
    {**EXCLUSIVE, "ollama.enabled": False},
    {**EXCLUSIVE, "comfyui.enabled": False},
    {**EXCLUSIVE, "comfyui.replicas": 0},
    {**EXCLUSIVE, "gpu.count": 2},
    {**EXCLUSIVE, "ollama.gpus": 0},
], ids=["homelab-time-slicing-2", "time-slicing-4", "exclusive-ollama-off", "exclusive-comfyui-off",
        "exclusive-comfyui-scaled-to-zero", "exclusive-two-gpus", "exclusive-ollama-on-the-cpu"])
def test_stacks_whose_gpu_pods_fit_pass(engine, homelab_config, changes):
    assert preview(engine, homelab_config, changes) == []


def test_more_pods_than_slices_are_blocked(engine, homelab_config):
    (diagnostic,) = preview(engine, homelab_config, {"comfyui.replicas": 2})
    assert "asks for 3 GPU(s) but the cluster has 2 (1 GPU(s) x 2 replica(s) per GPU)" in diagnostic.message


def test_capacity_comes_from_the_pack_config(engine, homelab_config):
    two_gpus = {GPU_CAPACITY: {"gpus": 2}}
    assert preview(engine, homelab_config, EXCLUSIVE, pack_config=two_gpus) == []
    # The homelab's own time-sliced stack, checked with the pack's defaults (one exclusive GPU).
    assert [d.level for d in preview(engine, homelab_config, {}, pack_config={})] == ["mandatory"]
    assert preview(engine, homelab_config, {}, pack_config={GPU_CAPACITY: {"replicasPerGpu": 2}}) == []


def test_capacity_policy_can_be_set_advisory(engine, homelab_config):
    (diagnostic,) = preview(engine, homelab_config, EXCLUSIVE, pack_config={GPU_CAPACITY: "advisory"})
    assert diagnostic.level == "advisory"


def _stack(*resources: tuple[str, dict[str, Any]]) -> list[Resource]:
    return [resource(type_, f"app{i}", props) for i, (type_, props) in enumerate(resources)]


def deployment(strategy: Any = "Recreate", **changes: Any) -> tuple[str, dict[str, Any]]:
    props = manifest("Deployment", pod_spec(), strategy=strategy)
    for path, value in changes.items():
        props = changed(props, path.replace("__", "."), value)
    return TYPES["Deployment"], props


CASES = {
    # id: (resources, whether one exclusive GPU is exceeded)
    "one-recreate-deployment-fits": ([deployment()], False),
    "rolling-update-needs-a-gpu-for-the-surge": ([deployment("RollingUpdate")], True),
    "rolling-update-without-surge-fits": ([deployment("RollingUpdate", spec__strategy__rollingUpdate__maxSurge=0)], False),
    "two-replicas": ([deployment(spec__replicas=2)], True),
    "zero-replicas": ([deployment(spec__replicas=0), deployment()], False),
    "two-gpus-per-pod": ([(TYPES["Pod"], manifest("Pod", pod_spec(container("a"), container("b"))))], True),
    "init-container-gpu-is-released-before-the-app-starts": (
        [(TYPES["Pod"], manifest("Pod", pod_spec(container("app"), initContainers=[container("warmup")])))], False),
    "statefulset-replicas": ([(TYPES["StatefulSet"], changed(manifest("StatefulSet", pod_spec()), "spec.replicas", 2))], True),
    "job-parallelism": ([(TYPES["Job"], changed(manifest("Job", pod_spec()), "spec.parallelism", 2))], True),
    "cronjob-one-at-a-time-fits": ([(TYPES["CronJob"], manifest("CronJob", pod_spec()))], False),
    "cpu-workloads-do-not-count": ([deployment(), (TYPES["Deployment"], manifest("Deployment", pod_spec(container(gpu=None))))], False),
    "ollama-release-replica-count": ([("kubernetes:helm.sh/v3:Release", release(replicaCount=2))], True),
    "ollama-release-rolling-update-surges": (
        [("kubernetes:helm.sh/v3:Release", release(updateStrategy__type="RollingUpdate"))], True),
    "ollama-release-and-deployment": ([("kubernetes:helm.sh/v3:Release", release()), deployment()], True),
}


@pytest.mark.parametrize("resources, exceeds", CASES.values(), ids=CASES.keys())
def test_gpu_demand_is_counted_the_way_the_scheduler_counts_it(engine, resources, exceeds):
    diagnostics = [d for d in engine.analyze_stack(_stack(*resources)) if d.policy == GPU_CAPACITY]
    assert [d.level for d in diagnostics] == (["mandatory"] if exceeds else [])


def test_rollout_surge_is_named_in_the_message(engine):
    (diagnostic,) = [d for d in engine.analyze_stack(_stack(deployment("RollingUpdate"))) if d.policy == GPU_CAPACITY]
    assert "asks for 2 GPU(s) (1 while running, 2 during a rollout)" in diagnostic.message
    assert "(+1 pod(s) during a RollingUpdate)" in diagnostic.message


def test_replicas_unknown_during_preview_do_not_block(engine):
    diagnostics = [d for d in engine.analyze_stack(_stack(deployment(spec__replicas=UNKNOWN), deployment()))
                   if d.policy == GPU_CAPACITY]
    assert [(d.level, d.cannot_run_in_preview) for d in diagnostics] == [("advisory", True)]
