"""An app may ask for no GPU: Ollama with `gpus: 0` runs its models on the CPU, anywhere, and holds no slice."""

from __future__ import annotations

import pytest
from registrations import named
from tree_edits import changed_config

from offline_preview.capture import run_program

CPU_OLLAMA = {"ollama.gpus": 0, "ollama.models.pull": ["llama3.2"]}


@pytest.fixture(scope="module")
def cpu_ollama(homelab_config):
    capture = run_program(changed_config(homelab_config, CPU_OLLAMA))
    assert capture.error is None, capture.error
    return capture


def test_ollama_without_a_gpu_turns_the_charts_gpu_off_and_leaves_the_gpu_node_alone(cpu_ollama):
    values = named(cpu_ollama, "ollama-release").inputs["values"]
    assert values["ollama"]["gpu"]["enabled"] is False
    assert "runtimeClassName" not in values and "tolerations" not in values
    assert values["nodeSelector"] == {}
    assert "NVIDIA_VISIBLE_DEVICES" not in {env["name"] for env in values["extraEnv"]}


def test_its_model_pull_job_is_not_pinned_to_the_gpu_node_either(cpu_ollama):
    spec = named(cpu_ollama, "ollama-model-pull").inputs["spec"]["template"]["spec"]
    assert "nodeSelector" not in spec and "tolerations" not in spec


def test_it_is_no_gpu_holder_and_comfyui_keeps_its_gpu(cpu_ollama, homelab):
    assert cpu_ollama.outputs["gpuHolders"] == ["comfyui"]
    assert homelab.outputs["gpuHolders"] == ["ollama", "comfyui"]
    comfyui = named(cpu_ollama, "comfyui-deployment").inputs["spec"]["template"]["spec"]
    assert comfyui["containers"][0]["resources"]["limits"]["nvidia.com/gpu"] == "1"


def test_comfyui_still_needs_a_gpu(run_with):
    capture = run_with({"comfyui.gpus": 0})
    assert capture.error is not None and "homelab-ai:comfyui.gpus = 0 is not accepted" in str(capture.error)
