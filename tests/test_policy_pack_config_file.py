"""`python -m policy_pack_config <stack>`: the pack configuration a stack writes from its own config."""

from __future__ import annotations

import dataclasses
import json
import subprocess
import sys

import pytest
from google.protobuf import json_format
from tree_edits import changed_config

from gpu_policies.names import (
    DEFAULT_DENY,
    GUARDED_ROUTES,
    IMMUTABLE_IMAGES,
    PACK,
    POLICY_OPTIONS,
)
from offline_preview.capture import run_program
from offline_preview.engine import Resource, struct
from offline_preview.preview import analyzer_resources
from policy_pack_config import main, policy_pack_config
from stack_config.stack_files import PROJECT_DIR, parse_stack_file_config


def test_homelab_writes_its_capacity_runtime_class_and_labels():
    result = subprocess.run([sys.executable, "-m", "policy_pack_config", "homelab"], cwd=PROJECT_DIR,
                            capture_output=True, text=True, check=True)
    gpu = {"gpuResourceNames": ["nvidia.com/gpu"]}
    assert json.loads(result.stdout) == {
        "gpu-pods-require-nvidia-runtime-class": {"allowedRuntimeClasses": ["nvidia"], "cdiInjection": False, **gpu},
        "gpu-deployments-use-recreate-strategy": gpu,
        "gpu-pods-pinned-to-gpu-nodes": {"gpuNodeLabels": [
            "feature.node.kubernetes.io/pci-10de.present", "nvidia.com/gpu.count", "nvidia.com/gpu.present", "nvidia.com/gpu.product",
        ], **gpu},
        "gpu-containers-set-memory-limit": gpu,
        "gpu-app-pvcs-protected": gpu,
        "gpu-demand-fits-capacity": {"gpus": 1, "replicasPerGpu": 2, **gpu},
        "gpu-apps-exposed-with-access-control": gpu,
        "gpu-app-namespaces-deny-ingress-by-default": gpu,
        "gpu-vram-budgets-fit-cards": {"gpuMemory": 16 * 2**30, "vramSlack": 2**30, "gpus": 1, "replicasPerGpu": 2, **gpu},
        "gpu-vram-footprint-fits-budget": {"gpuMemory": 16 * 2**30, **gpu},
        "gpu-app-user-data-backed-up": gpu,
    }


def test_output_file_is_written_whole_and_kept_on_failure(tmp_path):
    output = tmp_path / "policy-config.json"
    assert main(["homelab", "--output", str(output)]) == 0
    written = output.read_text()
    assert json.loads(written)["gpu-demand-fits-capacity"]["replicasPerGpu"] == 2

    assert main(["no-such-stack", "--output", str(output)], tmp_path) == 1

    assert output.read_text() == written
    assert [p.name for p in tmp_path.iterdir()] == ["policy-config.json"]


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


def test_a_talos_1_13_stack_lets_gpu_pods_go_without_a_runtime_class(homelab_config):
    cdi = changed_config(homelab_config, {"gpu": {"platform": "talos-1.13"}})
    assert policy_pack_config(parse_stack_file_config(cdi))["gpu-pods-require-nvidia-runtime-class"] == {
        "allowedRuntimeClasses": ["nvidia"], "cdiInjection": True, "gpuResourceNames": ["nvidia.com/gpu"]}


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


# --- the written config against what the pack declares (GetAnalyzerInfo) ---

SHARED = "nvidia.com/gpu.shared"
NETWORK_POLICY = "kubernetes:networking.k8s.io/v1:NetworkPolicy"


@pytest.fixture(scope="module")
def declared(policy_pack) -> dict[str, set[str]]:
    """Each policy's config keys, as the pack declares them to the engine."""
    return {
        policy.name: set(json_format.MessageToDict(policy.configSchema.properties))
        for policy in policy_pack.info().policies
    }


@pytest.fixture(scope="module")
def shared_config(homelab_config) -> dict:
    return changed_config(homelab_config, {"gpu.resourceName": SHARED})


def test_every_policy_declaring_gpu_resource_names_gets_the_stacks(declared, shared_config):
    written = policy_pack_config(parse_stack_file_config(shared_config))

    takers = {policy for policy, keys in declared.items() if "gpuResourceNames" in keys}
    assert takers == set(declared) - {IMMUTABLE_IMAGES}
    assert {policy: written.get(policy, {}).get("gpuResourceNames") for policy in takers} == {
        policy: [SHARED] for policy in takers
    }


def test_every_key_written_is_one_its_policy_declares(declared, homelab_config):
    written = policy_pack_config(parse_stack_file_config(homelab_config))

    assert {policy: set(options) - declared.get(policy, set()) for policy, options in written.items()} == {
        policy: set() for policy in written
    }


def test_the_names_table_is_what_the_pack_declares(engine, declared):
    assert engine.info().name == PACK
    assert [policy.name for policy in engine.info().policies] == list(POLICY_OPTIONS)
    assert declared == {policy: set(keys) for policy, keys in POLICY_OPTIONS.items()}


def test_a_shared_gpu_resource_still_gets_access_and_default_deny_verdicts(engine, shared_config):
    capture = run_program(shared_config)
    assert capture.error is None, capture.error
    # The stack as it would be with Ollama's default-deny policy and ComfyUI's route guard gone.
    resources = [
        r for r in analyzer_resources(capture)
        if not (r.type == NETWORK_POLICY and r.name == "ollama-deny-ingress")
    ]
    resources = [_unguarded(r) if r.name == "comfyui-route" else r for r in resources]
    engine.configure(policy_pack_config(parse_stack_file_config(shared_config)))

    fired = {(d.policy, d.urn.rsplit("::", 1)[-1]) for d in engine.analyze_stack(resources)}

    assert (GUARDED_ROUTES, "comfyui-route") in fired
    assert any(policy == DEFAULT_DENY for policy, _ in fired)


def _unguarded(resource: Resource) -> Resource:
    props = json_format.MessageToDict(struct(resource.properties))
    props["metadata"].pop("annotations", None)
    return dataclasses.replace(resource, properties=props)
