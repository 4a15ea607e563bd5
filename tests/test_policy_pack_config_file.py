"""`python -m policy_pack_config <stack>`: the pack configuration a stack writes from its own config."""

from __future__ import annotations

import json
import subprocess
import sys

from conftest import changed_config
from policy_pack_config import PROJECT_DIR, main, parse_stack_file_config, policy_pack_config


def test_homelab_writes_its_capacity_runtime_class_and_labels():
    result = subprocess.run([sys.executable, "-m", "policy_pack_config", "homelab"], cwd=PROJECT_DIR,
                            capture_output=True, text=True, check=True)
    gpu = {"gpuResourceNames": ["nvidia.com/gpu"]}
    assert json.loads(result.stdout) == {
        "gpu-pods-require-nvidia-runtime-class": {"allowedRuntimeClasses": ["nvidia"], **gpu},
        "gpu-deployments-use-recreate-strategy": gpu,
        "gpu-pods-pinned-to-gpu-nodes": {"gpuNodeLabels": ["feature.node.kubernetes.io/pci-10de.present", "nvidia.com/gpu.count", "nvidia.com/gpu.present", "nvidia.com/gpu.product"], **gpu},
        "gpu-containers-set-memory-limit": gpu,
        "gpu-app-pvcs-protected": gpu,
        "gpu-demand-fits-capacity": {"gpus": 1, "replicasPerGpu": 2, **gpu},
    }


def test_capacity_follows_gpu_count_and_sharing(homelab_config):
    exclusive = changed_config(homelab_config, {"gpu.sharing": {"strategy": "exclusive"}, "gpu.count": 3})
    assert policy_pack_config(parse_stack_file_config(exclusive))["gpu-demand-fits-capacity"] == {
        "gpus": 3, "replicasPerGpu": 1, "gpuResourceNames": ["nvidia.com/gpu"]}


def test_custom_runtime_class_resource_and_labels_reach_every_policy(homelab_config):
    custom = changed_config(homelab_config, {"gpu.runtimeClass": "nvidia-cdi", "gpu.resourceName": "nvidia.com/gpu.shared",
                                             "gpu.nodeSelector": {"gpu": "yes", "zone": "attic"}})
    config = policy_pack_config(parse_stack_file_config(custom))
    assert config["gpu-pods-require-nvidia-runtime-class"]["allowedRuntimeClasses"] == ["nvidia-cdi"]
    # The device plugin's NFD, GFD and the program's NodeFeatureRule still label GPU nodes.
    assert config["gpu-pods-pinned-to-gpu-nodes"]["gpuNodeLabels"] == [
        "feature.node.kubernetes.io/pci-10de.present", "gpu", "nvidia.com/gpu.count", "nvidia.com/gpu.present",
        "nvidia.com/gpu.product", "zone"]
    assert {tuple(policy["gpuResourceNames"]) for policy in config.values()} == {("nvidia.com/gpu.shared",)}


def test_user_managed_plumbing_pins_on_the_stacks_own_labels_only(homelab_config):
    custom = changed_config(homelab_config, {"gpu.plugin": "none", "gpu.namespace": "", "gpu.nodeSelector": {"gpu": "yes"}})
    config = policy_pack_config(parse_stack_file_config(custom))
    assert config["gpu-pods-pinned-to-gpu-nodes"]["gpuNodeLabels"] == ["gpu"]


def test_an_unknown_stack_fails_naming_its_stack_file(tmp_path, capsys):
    assert main(["no-such-stack"], tmp_path) == 1
    assert "Pulumi.no-such-stack.yaml" in capsys.readouterr().err


def test_a_stack_file_with_bad_config_fails_with_the_programs_error(tmp_path, capsys):
    (tmp_path / "Pulumi.bad.yaml").write_text("config:\n  homelab-ai:ollama:\n    storage:\n      size: 100GB\n")
    assert main(["bad"], tmp_path) == 1
    out, err = capsys.readouterr()
    assert out == "" and 'homelab-ai:ollama.storage.size = "100GB" is not accepted' in err
