"""The pull-request workflow: every PR gets the pack's verdict, and secrets reach only the steps that use them."""

from __future__ import annotations

from typing import Any

import yaml

from stack_config.stack_files import PROJECT_DIR

WORKFLOW: dict[str, Any] = yaml.safe_load((PROJECT_DIR / ".github" / "workflows" / "preview.yml").read_text())
JOBS: dict[str, Any] = WORKFLOW["jobs"]
BACKEND_CREDENTIALS = {
    "PULUMI_ACCESS_TOKEN", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_REGION",
    "AZURE_STORAGE_ACCOUNT", "AZURE_STORAGE_KEY", "GOOGLE_CREDENTIALS",
}


def _uses_secrets(node: Any) -> bool:
    return "secrets." in yaml.safe_dump(node)


def test_the_test_job_gives_every_pull_request_the_offline_verdict():
    test = JOBS["test"]
    assert "if" not in test and not _uses_secrets(test)
    runs = [step.get("run", "") for step in test["steps"]]
    assert "venv/bin/python -m offline_preview homelab" in runs


def test_no_job_carries_secrets_in_its_environment():
    assert "env" not in WORKFLOW
    assert all("env" not in job for job in JOBS.values())


def test_pip_and_config_steps_see_no_secret():
    for step in JOBS["preview"]["steps"]:
        if "pip install" in step.get("run", "") or "policy_pack_config" in step.get("run", ""):
            assert not _uses_secrets(step), step


def test_the_pulumi_step_gets_the_passphrase_and_every_documented_backends_credentials():
    (pulumi,) = [step for step in JOBS["preview"]["steps"] if step.get("uses", "").startswith("pulumi/actions@")]
    assert pulumi["uses"] == "pulumi/actions@v7"
    assert set(pulumi["env"]) == {"PULUMI_CONFIG_PASSPHRASE", *BACKEND_CREDENTIALS}
    assert all(value == f"${{{{ secrets.{key} }}}}" for key, value in pulumi["env"].items())
    assert pulumi["with"]["cloud-url"] == "${{ secrets.PULUMI_BACKEND_URL }}"
    assert pulumi["with"]["policyPacks"] == "policies"
    assert pulumi["with"]["policyPackConfigs"] == "policy-config.json"


def test_the_backend_documentation_names_every_credential_the_workflow_passes():
    docs = (PROJECT_DIR / "docs" / "pr-checks.md").read_text()
    assert all(f"`{key}`" in docs for key in BACKEND_CREDENTIALS)
