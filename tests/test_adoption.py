"""Clusters that already run GPU plumbing: nothing the user runs is deleted or duplicated."""

from __future__ import annotations

import re
import shlex

import pytest
from registrations import named, of_type, urn_of

from offline_preview.capture import Capture
from stack_config.stack_files import PROJECT_DIR

GPU_DOC = (PROJECT_DIR / "docs" / "gpu-nodes.md").read_text()
RUNTIME_CLASS = "kubernetes:node.k8s.io/v1:RuntimeClass"
PLUMBING = {RUNTIME_CLASS, "kubernetes:helm.sh/v3:Release", "kubernetes:nfd.k8s-sigs.io/v1alpha1:NodeFeatureRule"}


def import_commands() -> list[list[str]]:
    return [shlex.split(line) for line in GPU_DOC.splitlines() if line.startswith("pulumi import ")]


def engine_urn(mock_urn: str) -> str:
    """The URN the engine gives: a resource parented to the stack carries no `pulumi:pulumi:Stack$`
    prefix in its type, which the SDK's MockMonitor.make_urn adds."""
    return mock_urn.replace("::pulumi:pulumi:Stack$", "::", 1)


def object_id(registration) -> str:
    """The import ID pulumi-kubernetes reads: `namespace/name` for a Helm release, the name for a cluster-scoped object."""
    if registration.type == "kubernetes:helm.sh/v3:Release":
        return f"{registration.inputs['namespace']}/{registration.inputs['name']}"
    metadata = registration.inputs["metadata"]
    return f"{metadata['namespace']}/{metadata['name']}" if "namespace" in metadata else metadata["name"]


def test_an_existing_runtime_class_is_used_and_never_declared(run_with):
    capture = run_with({"gpu.createRuntimeClass": False})
    assert capture.error is None
    assert of_type(capture, RUNTIME_CLASS) == []
    assert named(capture, "gpu-device-plugin").inputs["values"]["runtimeClassName"] == "nvidia"
    assert named(capture, "ollama-release").inputs["values"]["runtimeClassName"] == "nvidia"
    assert named(capture, "comfyui-deployment").inputs["spec"]["template"]["spec"]["runtimeClassName"] == "nvidia"


def test_user_managed_plumbing_is_left_entirely_alone(run_with):
    capture = run_with({"gpu.plugin": "none", "gpu.namespace": ""})
    assert capture.error is None
    gpu = urn_of(capture, "gpu")
    assert not [r.name for r in capture.registrations if r.type in PLUMBING and r.parent == gpu]
    assert not [r.name for r in capture.registrations
                if r.type == "kubernetes:core/v1:Namespace" and r.inputs["metadata"]["name"] == "nvidia-device-plugin"]


@pytest.fixture(scope="module")
def commands() -> list[list[str]]:
    found = import_commands()
    assert len(found) == 3
    return found


def test_each_import_command_adopts_exactly_what_the_program_declares(homelab: Capture, commands):
    for command in commands:
        _, _, type_, name, id_, *flags = command
        registration = named(homelab, name)
        assert registration.type == type_
        assert object_id(registration) == id_
        parent = flags[flags.index("--parent") + 1]
        assert re.fullmatch(r"gpu=(.+)", parent)
        assert registration.parent == urn_of(homelab, "gpu")
        assert parent.split("=", 1)[1] == engine_urn(registration.parent) == "urn:pulumi:homelab::homelab-ai::homelab:ai:GpuNodeStack::gpu"
        assert registration.protect is False and "--protect=false" in flags


def test_everything_a_talos_guide_cluster_already_has_can_be_adopted(homelab: Capture, commands):
    """The guide's hand-made RuntimeClass and helm-installed plugin, and the plugin's namespace."""
    adopted = {command[3] for command in commands}
    assert adopted == {"gpu-namespace", "gpu-runtime-class", "gpu-device-plugin"}
    gpu = urn_of(homelab, "gpu")
    # Everything else under the GPU component is the program's own: the NFD rule.
    assert {r.name for r in homelab.registrations if r.parent == gpu} - adopted == {"gpu-gpu-present-rule"}
