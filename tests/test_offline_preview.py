"""`python -m offline_preview <stack>`: the pack's verdict on a stack file, printed as `pulumi preview` prints it."""

from __future__ import annotations

import subprocess

import pytest
from preview_runs import offline_preview, stack_copy

from offline_preview.__main__ import main
from offline_preview.engine import PolicyConfigError
from offline_preview.preview import display_type


def in_process(capsys: pytest.CaptureFixture[str], *args: str) -> subprocess.CompletedProcess[str]:
    """The same command's ``main`` in this process, which already has the program's modules loaded."""
    returncode = main(list(args))
    out, err = capsys.readouterr()
    return subprocess.CompletedProcess(["offline_preview", *args], returncode, out, err)


def test_homelab_passes_every_mandatory_policy_and_is_told_comfyuis_data_has_no_backup():
    result = offline_preview("homelab")

    assert result.returncode == 0, result.stdout + result.stderr
    lines = result.stdout.splitlines()
    assert lines[:3] == [
        "Policies:",
        "    ⚠️ homelab-ai-gpu@v0.1.0 (local: policies)",
        "        - [advisory] [severity: medium]  gpu-app-user-data-backed-up  "
        "(kubernetes:core/v1:PersistentVolumeClaim: comfyui-data)",
    ]
    assert lines[4].startswith("          Deployment 'comfyui-deployment' writes to PersistentVolumeClaim 'comfyui-data'")
    assert len(lines) == 5


def test_homelab_with_comfyui_backed_up_passes_every_policy(tmp_path, homelab_config):
    stack_dir = stack_copy(tmp_path, homelab_config, {"backups.target": "nfs://nas.lan:/export/longhorn",
                                                      "comfyui.backup.schedule": "0 3 * * *"})

    result = offline_preview("homelab", "--stack-dir", str(stack_dir))

    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout == "Policies:\n    ✅ homelab-ai-gpu@v0.1.0 (local: policies)\n"


def test_both_apps_on_one_exclusive_gpu_fail_naming_the_capacity_policy(tmp_path, homelab_config):
    stack_dir = stack_copy(tmp_path, homelab_config, {"gpu.sharing": {"strategy": "exclusive"}})

    result = offline_preview("homelab", "--stack-dir", str(stack_dir))

    assert result.returncode == 1
    lines = result.stdout.splitlines()
    assert lines[:3] == [
        "Policies:",
        "    ❌ homelab-ai-gpu@v0.1.0 (local: policies)",
        "        - [mandatory] [severity: high]  gpu-demand-fits-capacity  (pulumi:pulumi:Stack: homelab-ai-homelab)",
    ]
    assert lines[3].startswith("          The GPU pods the stack runs")
    assert lines[4].startswith("          the stack asks for 2 GPU(s) but the cluster has 1 (1 GPU(s) x 1 replica(s) per GPU)")
    # Then the advisory every stack that backs nothing up gets.
    assert lines[5].endswith("gpu-app-user-data-backed-up  (kubernetes:core/v1:PersistentVolumeClaim: comfyui-data)")
    assert len(lines) == 8


def test_advisories_are_listed_per_resource_in_urn_order_without_failing(capsys, tmp_path):
    config = tmp_path / "policy-config.json"
    config.write_text('{"gpu-pods-pinned-to-gpu-nodes": {"gpuNodeLabels": ["nvidia.com/gpu.product"]},'
                      ' "gpu-demand-fits-capacity": {"replicasPerGpu": 2}}')

    result = in_process(capsys, "homelab", "--policy-pack-config", str(config))

    assert result.returncode == 0, result.stdout + result.stderr
    headings = [line for line in result.stdout.splitlines() if not line.startswith("          ")]
    assert headings == [
        "Policies:",
        "    ⚠️ homelab-ai-gpu@v0.1.0 (local: policies)",
        "        - [advisory] [severity: medium]  gpu-app-user-data-backed-up  "
        + "(kubernetes:core/v1:PersistentVolumeClaim: comfyui-data)",
        "        - [advisory] [severity: medium]  gpu-pods-pinned-to-gpu-nodes  "
        + "(kubernetes:apps/v1:Deployment: comfyui-deployment)",
        "        - [advisory] [severity: medium]  gpu-pods-pinned-to-gpu-nodes  "
        + "(kubernetes:helm.sh/v3:Release: ollama-release)",
    ]


def test_a_program_error_is_printed_and_fails(capsys, tmp_path, homelab_config):
    stack_dir = stack_copy(tmp_path, homelab_config, {"ollama.storage.size": "100GB"})

    result = in_process(capsys, "homelab", "--stack-dir", str(stack_dir))

    assert result.returncode == 1
    assert result.stdout.startswith("Diagnostics:\n  pulumi:pulumi:Stack (homelab-ai-homelab):\n    error: ")
    assert 'homelab-ai:ollama.storage.size = "100GB" is not accepted' in result.stdout
    assert "Policies:" not in result.stdout


def test_a_given_policy_pack_config_replaces_the_stacks_own(capsys, tmp_path):
    config = tmp_path / "policy-config.json"
    config.write_text('{"gpu-demand-fits-capacity": {"gpus": 1, "replicasPerGpu": 1}}')

    result = in_process(capsys, "homelab", "--policy-pack-config", str(config))

    assert result.returncode == 1
    assert "[mandatory] [severity: high]  gpu-demand-fits-capacity" in result.stdout


def test_a_policy_pack_config_the_cli_refuses_stops_before_any_policy_runs(capsys, tmp_path):
    config = tmp_path / "policy-config.json"
    config.write_text('{"gpu-demand-fits-capacity": {"gpus": 0}, "gpu-app-pvcs-protected": "sometimes"}')

    result = in_process(capsys, "homelab", "--policy-pack-config", str(config))

    assert result.returncode == 2
    assert "'sometimes' is not a valid enforcement level" in result.stderr
    assert result.stdout == ""


@pytest.mark.parametrize(
    ("config", "error"),
    [
        ({"gpu-demand-fits-capacity": {"gpus": 0}}, "gpu-demand-fits-capacity: 0 is less than the minimum of 1"),
        ({"gpu-pods-require-nvidia-runtime-class": {"allowedRuntimeClasses": []}},
         "gpu-pods-require-nvidia-runtime-class: [] should be non-empty"),
        ({"all": {"enforcementLevel": 3}}, "3 is not a valid enforcement level; must be a string"),
        ({"gpu-app-pvcs-protected": ["mandatory"]}, "is not a valid value; must be a string or object"),
    ],
)
def test_policy_config_is_validated_against_each_policys_schema(engine, config, error):
    with pytest.raises(PolicyConfigError) as raised:
        engine.configure(config)
    assert error in str(raised.value)


@pytest.mark.parametrize(
    ("type_", "shown"),
    [
        ("aws:s3/bucket:Bucket", "aws:s3:Bucket"),
        ("kubernetes:apps/v1:Deployment", "kubernetes:apps/v1:Deployment"),
        ("pulumi:pulumi:Stack", "pulumi:pulumi:Stack"),
    ],
)
def test_resource_types_are_shortened_as_the_cli_shortens_them(type_, shown):
    assert display_type(type_) == shown
