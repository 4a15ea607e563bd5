"""Every value the program hands a chart is one the chart reads, the ComfyUI image exists, and each
app's cache is a claim the program owns, mounted where the app writes."""

from __future__ import annotations

import pytest
from chart_value_paths import paths_unknown_to_chart
from registrations import named, urn_of

from offline_preview.capture import Capture

# Helm ignores value keys a chart lacks: ollama 1.41.0 reads `persistentVolume`, and a
# `persistence` key would leave the models in an emptyDir without a word.

def test_every_ollama_value_key_exists_in_chart_1_41_0(homelab: Capture):
    values = named(homelab, "ollama-release").inputs["values"]
    assert paths_unknown_to_chart(values, "ollama", "1.41.0") == []


def test_chart_value_check_catches_a_key_the_chart_lacks():
    values = {"persistence": {"enabled": True, "size": "100Gi"}, "persistentVolume": {"enabled": True}}
    assert paths_unknown_to_chart(values, "ollama", "1.41.0") == ["persistence.enabled", "persistence.size"]


def test_ollama_cache_is_the_programs_claim_handed_to_the_chart(homelab: Capture):
    values = named(homelab, "ollama-release").inputs["values"]
    # The chart mounts existingClaim only when persistentVolume.enabled is true as well.
    assert values["persistentVolume"] == {"enabled": True, "existingClaim": "ollama-models"}
    assert "persistence" not in values
    claim = named(homelab, "ollama-models")
    assert claim.inputs["metadata"]["name"] == "ollama-models"
    assert claim.urn in named(homelab, "ollama-release").dependencies


def test_ollama_cache_survives_helm_uninstall(homelab: Capture):
    """With existingClaim the chart renders no PVC: `helm uninstall` has nothing of ours to delete."""
    claim = named(homelab, "ollama-models")
    assert claim.type == "kubernetes:core/v1:PersistentVolumeClaim"
    assert claim.parent == urn_of(homelab, "ollama")
    assert claim.protect and claim.retain_on_delete


@pytest.mark.parametrize("chart, version, release", [
    ("nvidia-device-plugin", "0.17.4", "gpu-device-plugin"),
])
def test_every_gpu_plugin_value_key_exists_in_its_chart(homelab: Capture, chart, version, release):
    values = named(homelab, release).inputs["values"]
    assert paths_unknown_to_chart(values, chart, version) == []


def test_every_gpu_operator_value_key_exists_in_its_chart(run_with):
    capture = run_with({"gpu.plugin": "gpu-operator", "gpu.namespace": "gpu-operator"})
    assert capture.error is None
    values = named(capture, "gpu-gpu-operator").inputs["values"]
    assert paths_unknown_to_chart(values, "gpu-operator", "v25.10.1") == []


# The registry has no `yanwk/comfyui-boot:latest-cu128`; the CUDA 12.8 image is a dated megapak tag.

def test_comfyui_image_is_a_published_cuda_12_8_tag(homelab: Capture):
    container = named(homelab, "comfyui-deployment").inputs["spec"]["template"]["spec"]["containers"][0]
    assert container["image"] == "yanwk/comfyui-boot:cu128-megapak-20260223"


# The yanwk images run as root and keep ComfyUI, models and outputs under /root; a claim mounted
# anywhere else (/home/user/opt/ComfyUI) holds nothing.

def test_comfyui_volume_is_mounted_where_the_image_writes(homelab: Capture):
    pod = named(homelab, "comfyui-deployment").inputs["spec"]["template"]["spec"]
    assert pod["containers"][0]["volumeMounts"] == [{"name": "data", "mountPath": "/root"}]
    assert pod["volumes"] == [{"name": "data", "persistentVolumeClaim": {"claimName": "comfyui-data"}}]


def test_comfyui_data_path_is_configurable(run_with):
    capture = run_with({"comfyui.dataPath": "/data/comfy/"})
    assert capture.error is None
    container = named(capture, "comfyui-deployment").inputs["spec"]["template"]["spec"]["containers"][0]
    assert container["volumeMounts"] == [{"name": "data", "mountPath": "/data/comfy"}]
