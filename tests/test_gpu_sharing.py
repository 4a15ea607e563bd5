"""One GPU, two apps: who holds the GPU is config the program owns, never `kubectl scale`."""

from __future__ import annotations

import pytest
import yaml
from registrations import named, names

from offline_preview.capture import Capture

EXCLUSIVE = {"gpu.sharing": {"strategy": "exclusive"}}


def _plugin_config(capture: Capture) -> dict:
    return yaml.safe_load(named(capture, "gpu-device-plugin").inputs["values"]["config"]["map"]["default"])


def _replicas(capture: Capture) -> dict[str, int]:
    return {
        "ollama": named(capture, "ollama-release").inputs["values"]["replicaCount"],
        "comfyui": named(capture, "comfyui-deployment").inputs["spec"]["replicas"],
    }


def test_homelab_time_slices_its_one_gpu_into_two(homelab: Capture):
    assert _plugin_config(homelab)["sharing"] == {
        "timeSlicing": {"resources": [{"name": "nvidia.com/gpu", "replicas": 2}]},
    }
    assert _replicas(homelab) == {"ollama": 1, "comfyui": 1}
    assert (homelab.outputs["gpuCapacity"], homelab.outputs["gpuHolders"]) == (2, ["ollama", "comfyui"])


def test_exclusive_gpu_writes_no_sharing_config(run_with):
    capture = run_with(EXCLUSIVE)
    assert capture.error is None
    assert "sharing" not in _plugin_config(capture)
    assert capture.outputs["gpuCapacity"] == 1


def test_time_slicing_config_reaches_the_gpu_operator_too(run_with):
    capture = run_with({"gpu.plugin": "gpu-operator", "gpu.namespace": "", "gpu.sharing.replicas": 4, "gpu.count": 2})
    assert capture.error is None
    config = named(capture, "gpu-gpu-operator").inputs["values"]["devicePlugin"]["config"]
    assert (config["create"], config["name"], config["default"]) == (True, "device-plugin-config", "default")
    assert yaml.safe_load(config["data"]["default"]) == {
        "version": "v1",
        "sharing": {"timeSlicing": {"resources": [{"name": "nvidia.com/gpu", "replicas": 4}]}},
    }
    assert capture.outputs["gpuCapacity"] == 8


@pytest.mark.parametrize("ollama, comfyui, holders", [
    (True, True, ["ollama", "comfyui"]),
    (True, False, ["ollama"]),
    (False, True, ["comfyui"]),
    (False, False, []),
])
def test_enabled_switch_sets_replicas_and_gpu_holders(run_with, ollama, comfyui, holders):
    capture = run_with({**EXCLUSIVE, "ollama.enabled": ollama, "comfyui.enabled": comfyui})
    assert capture.error is None
    assert _replicas(capture) == {"ollama": int(ollama), "comfyui": int(comfyui)}
    assert capture.outputs["gpuHolders"] == holders


@pytest.mark.parametrize("app, claim, namespace", [("ollama", "ollama-models", "ollama-namespace"),
                                                   ("comfyui", "comfyui-data", "comfyui-namespace")])
def test_disabling_an_app_keeps_its_namespace_and_data(run_with, homelab: Capture, app, claim, namespace):
    capture = run_with({f"{app}.enabled": False})
    assert capture.error is None
    # Only the model-pull Job goes, with its network rules: with no server there is nothing to pull through.
    pull_job = {"ollama-model-pull", "ollama-model-pull-egress", "ollama-allow-app-port"} if app == "ollama" else set()
    assert names(capture) == names(homelab) - pull_job
    assert named(capture, claim).inputs == named(homelab, claim).inputs
    assert named(capture, claim).protect and named(capture, claim).retain_on_delete
    assert named(capture, namespace).inputs == named(homelab, namespace).inputs


def test_switching_the_gpu_between_apps_changes_only_replica_counts(run_with):
    to_ollama = run_with({**EXCLUSIVE, "comfyui.enabled": False})
    to_comfyui = run_with({**EXCLUSIVE, "ollama.enabled": False})
    changed = {
        r.name for r in to_ollama.registrations
        if r.name in names(to_comfyui) and r.inputs != named(to_comfyui, r.name).inputs
    }
    assert changed == {"ollama-release", "comfyui-deployment"}
    # A disabled Ollama has no server for the model-pull Job to pull through.
    assert names(to_ollama) - names(to_comfyui) == {"ollama-model-pull", "ollama-model-pull-egress", "ollama-allow-app-port"}
    assert names(to_comfyui) <= names(to_ollama)


@pytest.mark.parametrize("strategy, keep_alive", [("exclusive", "5m"), ("time-slicing", "1m")])
def test_keep_alive_default_follows_the_sharing_strategy(run_with, strategy, keep_alive):
    sharing = {"strategy": strategy, **({"replicas": 2} if strategy == "time-slicing" else {})}
    capture = run_with({"gpu.sharing": sharing})
    env = named(capture, "ollama-release").inputs["values"]["extraEnv"]
    assert {"name": "OLLAMA_KEEP_ALIVE", "value": keep_alive} in env


def test_keep_alive_can_be_set(run_with):
    capture = run_with({"ollama.keepAlive": "30s"})
    env = named(capture, "ollama-release").inputs["values"]["extraEnv"]
    assert {"name": "OLLAMA_KEEP_ALIVE", "value": "30s"} in env
