"""Moving the homelab from Talos 1.12 to 1.13, as the successive programs docs/platforms.md runs.

Talos's upgrade notes (siderolabs/docs talos/v1.13 lifecycle-management/upgrading-talos.mdx) want
the nvidia-device-plugin chart uninstalled and the `nvidia` RuntimeClass deleted before the OS
upgrade. Step 1 does that with `pulumi up` while the node still runs 1.12 and parks both apps;
the node is upgraded; step 2 names talos-1.13 and installs the GPU Operator. Each step is a real
run of the program; the caches must come through every one with the same URN, protection and
inputs (no diff, so never replaced), and the apps' namespaces, whose deletion would take the
claims with them, must stay.
"""

from __future__ import annotations

from typing import Any

import pytest
from registration_summary import registration_summary
from registrations import named, of_type, urn_of
from tree_edits import DELETE, changed_config

from offline_preview.capture import Capture, Registration, run_program

STEP_1 = {"gpu.plugin": "none", "ollama.enabled": False, "comfyui.enabled": False}
STEP_2 = {
    "gpu.platform": "talos-1.13", "gpu.driver": DELETE, "gpu.plugin": DELETE, "gpu.namespace": DELETE,
    "gpu.runtimeClass": DELETE, "comfyui.image.tag": DELETE, "comfyui.disableXformers": DELETE,
}
STEPS: dict[str, dict[str, Any]] = {"step-0-talos-1.12": {}, "step-1-plumbing-removed": STEP_1, "step-2-talos-1.13": STEP_2}
CACHES = ("ollama-models", "comfyui-data")
APP_NAMESPACES = ("ollama-namespace", "comfyui-namespace")


@pytest.fixture(scope="module")
def steps(homelab: Capture, homelab_config) -> dict[str, Capture]:
    captures = {name: run_program(changed_config(homelab_config, changes)) if changes else homelab
                for name, changes in STEPS.items()}
    for name, capture in captures.items():
        assert capture.error is None, (name, capture.error)
    return captures


def _summary(capture: Capture, name: str) -> dict[str, Any]:
    (entry,) = [e for e in registration_summary(capture) if e["name"] == name]
    return entry


def _gpu_children(capture: Capture) -> list[Registration]:
    return [r for r in capture.registrations if r.parent == urn_of(capture, "gpu")]


def test_step_1_removes_the_device_plugin_and_its_runtime_class_and_parks_the_apps(steps):
    capture = steps["step-1-plumbing-removed"]
    assert _gpu_children(capture) == []
    assert of_type(capture, "kubernetes:node.k8s.io/v1:RuntimeClass") == []
    assert named(capture, "comfyui-deployment").inputs["spec"]["replicas"] == 0
    assert named(capture, "ollama-release").inputs["values"]["replicaCount"] == 0


def test_step_2_installs_the_operator_talos_1_13_documents_and_no_runtime_class(steps):
    capture = steps["step-2-talos-1.13"]
    assert sorted(r.name for r in _gpu_children(capture)) == ["gpu-gpu-operator", "gpu-namespace"]
    assert of_type(capture, "kubernetes:node.k8s.io/v1:RuntimeClass") == []
    release = named(capture, "gpu-gpu-operator").inputs
    assert release["version"] == "v26.3.3" and release["namespace"] == "gpu-operator"
    assert release["values"]["driver"] == {"enabled": False} and release["values"]["toolkit"] == {"enabled": False}
    assert release["values"]["hostPaths"] == {"driverInstallDir": "/usr/local"}
    pod = named(capture, "comfyui-deployment").inputs["spec"]["template"]["spec"]
    assert pod["containers"][0]["image"] == "yanwk/comfyui-boot:cu130-megapak-pt211-20260701"
    assert "runtimeClassName" not in pod and pod["containers"][0]["resources"]["limits"]["nvidia.com/gpu"] == "1"
    assert named(capture, "comfyui-deployment").inputs["spec"]["replicas"] == 1


@pytest.mark.parametrize("name", CACHES)
def test_each_cache_keeps_its_urn_protection_and_inputs_through_every_step(steps, name):
    before = _summary(steps["step-0-talos-1.12"], name)
    assert before["protect"] and before["retainOnDelete"] and not before["deleteBeforeReplace"]
    for step, capture in steps.items():
        entry = _summary(capture, name)
        assert {k: entry[k] for k in ("urn", "parent", "protect", "retainOnDelete", "deleteBeforeReplace", "inputs")} == {
            k: before[k] for k in ("urn", "parent", "protect", "retainOnDelete", "deleteBeforeReplace", "inputs")}, step
        assert not named(capture, name).request.replaceOnChanges, step


@pytest.mark.parametrize("name", APP_NAMESPACES)
def test_the_namespaces_holding_the_caches_stay_through_every_step(steps, name):
    before = _summary(steps["step-0-talos-1.12"], name)
    for step, capture in steps.items():
        entry = _summary(capture, name)
        assert (entry["urn"], entry["inputs"]["metadata"]["name"]) == (before["urn"], before["inputs"]["metadata"]["name"]), step


def test_going_to_talos_1_13_with_the_device_plugin_still_declared_is_refused(run_with):
    capture = run_with({"gpu.platform": "talos-1.13", "gpu.driver": "580"})
    assert [p.key for p in capture.error.problems] == ["gpu.plugin"]
    assert capture.registrations == []
