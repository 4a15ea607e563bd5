"""ComfyUI-Manager's security level: the init container's script, run here on a scratch volume."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest
from registrations import named

from components.comfyui_app import MANAGER_CONFIG_SCRIPT
from offline_preview.capture import Capture

# What the yanwk images copy to the volume on first start (builder-scripts/preload-cache.sh): the
# 20260223 build's file, and the one the builds from 2026-03-28 bake.
IMAGE_CONFIG_20260223 = "[default]\nuse_uv = False\nsecurity_level = weak\n"
LATER_IMAGE_CONFIG = IMAGE_CONFIG_20260223 + "downgrade_blacklist = torch, torchvision, torchaudio\n"


def _run_script(data_path: Path, level: str) -> str:
    subprocess.run(["bash", "-c", MANAGER_CONFIG_SCRIPT], check=True, capture_output=True,
                   env={**os.environ, "DATA_PATH": str(data_path), "SECURITY_LEVEL": level})
    return (data_path / "ComfyUI/user/__manager/config.ini").read_text()


def _config_file(data_path: Path) -> Path:
    path = data_path / "ComfyUI/user/__manager/config.ini"
    path.parent.mkdir(parents=True)
    return path


def test_first_start_writes_the_level_before_the_image_copies_its_weak_default(tmp_path):
    assert _run_script(tmp_path, "normal") == LATER_IMAGE_CONFIG.replace("weak", "normal")


@pytest.mark.parametrize("image_config", [IMAGE_CONFIG_20260223, LATER_IMAGE_CONFIG], ids=["20260223", "later"])
def test_an_existing_weak_level_is_raised_and_other_settings_kept(tmp_path, image_config):
    _config_file(tmp_path).write_text(image_config + "git_exe = /usr/bin/git\n")
    assert _run_script(tmp_path, "strong") == image_config.replace("weak", "strong") + "git_exe = /usr/bin/git\n"


def test_a_config_without_a_level_gets_one_under_default(tmp_path):
    _config_file(tmp_path).write_text("[default]\nuse_uv = False\n")
    assert _run_script(tmp_path, "normal") == "[default]\nsecurity_level = normal\nuse_uv = False\n"


def test_rerunning_the_script_changes_nothing(tmp_path):
    first = _run_script(tmp_path, "normal")
    assert _run_script(tmp_path, "normal") == first


def test_init_container_runs_the_script_on_the_data_volume(homelab: Capture):
    pod = named(homelab, "comfyui-deployment").inputs["spec"]["template"]["spec"]
    (init,) = pod["initContainers"]
    assert init["image"] == pod["containers"][0]["image"]
    assert init["command"] == ["bash", "-c", MANAGER_CONFIG_SCRIPT]
    assert init["env"] == [{"name": "DATA_PATH", "value": "/root"}, {"name": "SECURITY_LEVEL", "value": "normal"}]
    assert init["volumeMounts"] == [{"name": "data", "mountPath": "/root"}]
    assert "nvidia.com/gpu" not in init["resources"].get("limits", {})


@pytest.mark.parametrize("level", ["strong", "normal-", "weak"])
def test_manager_level_is_config(run_with, level):
    capture = run_with({"comfyui.managerSecurityLevel": level})
    init = named(capture, "comfyui-deployment").inputs["spec"]["template"]["spec"]["initContainers"][0]
    assert {"name": "SECURITY_LEVEL", "value": level} in init["env"]
