"""Model pulls happen outside Ollama's lifecycle: a Job the program registers and Pulumi awaits.

Chart fact (otwld/ollama-helm ollama-1.41.0, templates/deployment.yaml): the container gets a
`postStart` hook running `/bin/ollama pull` when `.Values.lifecycle` is unset and any of
`ollama.models.pull`, `.run` or `.create` is non-empty; with all three empty it renders no
lifecycle at all (checked with `helm template` on the chart with the program's values).
"""

from __future__ import annotations

import os
import stat
import subprocess
from pathlib import Path
from typing import Any

import pytest
from network_flows import External, Pod, Policies
from registrations import named, names, of_type, urn_of

from components.ollama_release import MODEL_PULL_SCRIPT
from offline_preview.capture import Capture

JOB = "kubernetes:batch/v1:Job"
OLLAMA = Pod("ollama", {"app.kubernetes.io/name": "ollama", "app.kubernetes.io/instance": "ollama"})


def renders_post_start(values: dict[str, Any]) -> bool:
    models = values.get("ollama", {}).get("models", {})
    return not values.get("lifecycle") and any(models.get(key) for key in ("pull", "run", "create"))


@pytest.mark.parametrize("models", [["llama3.2"], ["qwen2.5:7b", "llama3.2-vision"], []])
def test_the_ollama_release_renders_no_post_start_pull(run_with, models):
    capture = run_with({"ollama.models.pull": models})
    values = named(capture, "ollama-release").inputs["values"]
    assert not renders_post_start(values)
    assert "lifecycle" not in values


def test_the_configured_models_are_pulled_by_a_job_pulumi_awaits(homelab: Capture):
    job = named(homelab, "ollama-model-pull")
    spec = job.inputs["spec"]
    pod = spec["template"]["spec"]
    (container,) = pod["containers"]
    assert container["command"][:2] == ["/bin/sh", "-c"] and container["command"][3:] == ["model-pull", "llama3.2"]
    assert container["image"] == "ollama/ollama:0.17.1"
    assert {"name": "OLLAMA_HOST", "value": "http://ollama.ollama.svc.cluster.local:11434"} in container["env"]
    assert pod["restartPolicy"] == "Never"
    assert "ttlSecondsAfterFinished" not in spec
    # After the server is up, and Pulumi waits for the Job longer than the Job may run.
    assert urn_of(homelab, "ollama-release") in job.dependencies
    timeouts = job.request.customTimeouts
    assert (timeouts.create, timeouts.update) == ("65m", "65m")
    assert spec["activeDeadlineSeconds"] == 60 * 60


def test_a_slow_list_gets_an_hour_per_model_before_the_job_or_pulumi_gives_up(run_with):
    job = named(run_with({"ollama.models.pull": ["llama3.2", "qwen2.5:7b", "llama3.2-vision"]}), "ollama-model-pull")
    assert job.inputs["spec"]["activeDeadlineSeconds"] == 3 * 60 * 60
    timeouts = job.request.customTimeouts
    assert (timeouts.create, timeouts.update) == ("185m", "185m")


def test_a_failed_pull_is_pulled_again_by_the_next_up_once_its_cause_is_gone(homelab: Capture, run_with):
    """The name stays the same for the same list (a Job is immutable), so only replaceUnready re-runs a failed one:
    pulumi-kubernetes' Diff replaces a Job with the annotation whose live object is not Complete."""
    job = named(homelab, "ollama-model-pull")
    assert job.inputs["metadata"]["annotations"] == {"pulumi.com/replaceUnready": "true"}
    assert named(run_with({}), "ollama-model-pull").inputs["metadata"] == job.inputs["metadata"]


def test_a_failed_pull_shows_the_log_end_as_the_failure(homelab: Capture):
    (container,) = named(homelab, "ollama-model-pull").inputs["spec"]["template"]["spec"]["containers"]
    assert container["terminationMessagePolicy"] == "FallbackToLogsOnError"


def test_a_changed_model_list_is_a_new_job_and_an_unchanged_one_is_not(run_with, homelab: Capture):
    name = named(homelab, "ollama-model-pull").inputs["metadata"]["name"]
    assert named(run_with({}), "ollama-model-pull").inputs["metadata"]["name"] == name
    changed = named(run_with({"ollama.models.pull": ["llama3.2", "qwen2.5:7b"]}), "ollama-model-pull")
    assert changed.inputs["metadata"]["name"] != name
    assert changed.inputs["metadata"]["name"].startswith("ollama-model-pull-")
    upgraded = named(run_with({"ollama.image.tag": "0.18.0"}), "ollama-model-pull")
    assert upgraded.inputs["metadata"]["name"] != name


@pytest.mark.parametrize("change", [{"ollama.models.pull": []}, {"ollama.enabled": False}, {"ollama.replicas": 0}])
def test_no_job_when_there_is_nothing_to_pull_or_no_server(run_with, change):
    capture = run_with(change)
    assert capture.error is None
    assert of_type(capture, JOB) == []
    assert "ollama-model-pull-egress" not in names(capture)


def test_the_job_reaches_ollama_through_the_fences_and_nothing_else_does(homelab: Capture):
    flows = Policies(homelab)
    pull = Pod("ollama", named(homelab, "ollama-model-pull").inputs["spec"]["template"]["metadata"]["labels"])
    assert flows.allows(pull, OLLAMA, 11434)
    assert not flows.allows(pull, OLLAMA, 22)
    assert not flows.allows(pull, External("169.254.169.254"), 80)
    assert not flows.allows(Pod("ollama", {"app": "something-else"}), OLLAMA, 11434)


def test_the_job_pod_meets_pod_security_restricted(homelab: Capture):
    pod = named(homelab, "ollama-model-pull").inputs["spec"]["template"]["spec"]
    assert pod["securityContext"]["runAsNonRoot"] is True and pod["securityContext"]["runAsUser"] != 0
    assert pod["securityContext"]["seccompProfile"] == {"type": "RuntimeDefault"}
    assert pod["automountServiceAccountToken"] is False
    for container in pod["containers"]:
        assert container["securityContext"] == {"allowPrivilegeEscalation": False, "capabilities": {"drop": ["ALL"]}}
        assert "nvidia.com/gpu" not in str(container["resources"])


def _fake_ollama(tmp_path: Path, failing: str = "no-such-model") -> Path:
    """An `ollama` client that fails the one model as Ollama 0.17.1's does: progress with carriage returns, then an error."""
    log = tmp_path / "calls"
    script = tmp_path / "bin" / "ollama"
    script.parent.mkdir()
    script.write_text(f'#!/bin/sh\necho "$@" >> {log}\n'
                      f'[ "$2" != "{failing}" ] || {{ printf "pulling manifest \\r\\rpulling manifest \\n'
                      f'Error: pull model manifest: file does not exist\\n" >&2; exit 1; }}\n')
    script.chmod(script.stat().st_mode | stat.S_IEXEC)
    return log


def _run(tmp_path: Path, *models: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "PATH": f"{tmp_path / 'bin'}:{os.environ['PATH']}", "OLLAMA_HOST": "http://ollama:11434"}
    return subprocess.run(["/bin/sh", "-c", MODEL_PULL_SCRIPT, "model-pull", *models], env=env,
                          capture_output=True, text=True, timeout=30)


def test_the_pull_script_pulls_each_model_through_the_client(tmp_path: Path):
    log = _fake_ollama(tmp_path)
    assert _run(tmp_path, "llama3.2", "qwen2.5:7b").returncode == 0
    assert log.read_text().splitlines() == ["list", "pull llama3.2", "pull qwen2.5:7b"]


def test_a_failed_pull_fails_the_job(tmp_path: Path):
    log = _fake_ollama(tmp_path, failing="qwen2.5:7b")
    result = _run(tmp_path, "qwen2.5:7b", "llama3.2")
    assert result.returncode != 0
    assert log.read_text().splitlines() == ["list", "pull qwen2.5:7b"]


def test_a_failed_pull_ends_its_log_with_the_model_and_the_clients_error(tmp_path: Path):
    _fake_ollama(tmp_path, failing="qwen2.5:7b")
    result = _run(tmp_path, "llama3.2", "qwen2.5:7b")
    assert result.returncode == 1
    assert result.stdout.splitlines() == ["pulling llama3.2", "pulled llama3.2", "pulling qwen2.5:7b"]
    assert result.stderr.splitlines() == ["model pull: ollama pull qwen2.5:7b failed:", "pulling manifest ", "pulling manifest ",
                                          "Error: pull model manifest: file does not exist"]
