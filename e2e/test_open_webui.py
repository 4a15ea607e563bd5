"""Open WebUI through the real CLI and provider: its password and key set as the README says, with
`pulumi config set --secret`, reach the cluster as a Secret and the state only encrypted, and the
next `up` has nothing to change. Its own namespaces, beside the other stacks' leftovers; Ollama on
the CPU and no GPU plumbing, so nothing here competes for the GPU node."""

from __future__ import annotations

import base64
import json

import pytest
from cluster import Cluster
from workspace import Workspace

STACK = "open-webui"
NAMESPACES = {"ollama": "ollama-chat", "openwebui": "open-webui"}
CLAIMS = [(NAMESPACES["ollama"], "ollama-models"), (NAMESPACES["openwebui"], "open-webui-data")]
PASSWORD = "e2e admin password, long enough"
SECRET_KEY = "0123456789abcdef" * 4
# How the state marks an encrypted value (sdk/go/common/resource/sig: Secret).
SECRET_SIG, SECRET_VALUE = "4dabf18193072939515e22adb298388d", "1b47061264138c4ac30d75fd1eb44270"
SETTINGS = {
    "gpu.plugin": "none", "ollama.namespace": NAMESPACES["ollama"], "ollama.gpus": 0, "comfyui.installed": False,
    "openwebui.installed": True, "openwebui.hostname": "chat.example.com", "openwebui.adminEmail": "admin@example.com",
}


@pytest.fixture(scope="module")
def stack(workspace: Workspace, cluster: Cluster) -> Workspace:
    cluster.add_storage(CLAIMS)
    workspace.new_stack(STACK, SETTINGS)
    for key, value in (("openwebui.adminPassword", PASSWORD), ("openwebui.secretKey", SECRET_KEY)):
        workspace.pulumi("config", "set", "--secret", "--path", key, value, "--stack", STACK, check=True)
    return workspace


def test_the_stack_file_holds_the_password_and_key_only_encrypted(stack: Workspace):
    written = (stack.project / f"Pulumi.{STACK}.yaml").read_text()
    assert PASSWORD not in written and SECRET_KEY not in written
    assert written.count("secure: ") == 2


def test_up_installs_open_webui_with_its_secret_and_nothing_the_stack_turned_off(stack: Workspace, cluster: Cluster):
    run = stack.pulumi("up", "--yes", "--skip-preview", "--stack", STACK, timeout=600)
    assert run.ok, run.output[-4000:]
    secret = cluster.get("secret", "open-webui-secrets", NAMESPACES["openwebui"])
    assert {k: base64.b64decode(v).decode() for k, v in secret["data"].items()} == {
        "WEBUI_ADMIN_PASSWORD": PASSWORD, "WEBUI_SECRET_KEY": SECRET_KEY}
    (deployment,) = cluster.get("deployments", namespace=NAMESPACES["openwebui"])
    assert deployment["spec"]["strategy"]["type"] == "Recreate"
    (container,) = deployment["spec"]["template"]["spec"]["containers"]
    env = {e["name"]: e.get("value", e.get("valueFrom")) for e in container["env"]}
    assert env["OLLAMA_BASE_URLS"] == f"http://ollama.{NAMESPACES['ollama']}.svc.cluster.local:11434"
    assert env["WEBUI_SECRET_KEY"] == {"secretKeyRef": {"name": "open-webui-secrets", "key": "WEBUI_SECRET_KEY"}}
    assert env["ENABLE_SIGNUP"] == "False" and "ENABLE_IMAGE_GENERATION" not in env
    assert deployment["spec"]["template"]["spec"]["volumes"][0]["persistentVolumeClaim"]["claimName"] == "open-webui-data"
    assert [p["status"]["phase"] for p in cluster.get("pods", namespace=NAMESPACES["openwebui"])] == ["Running"]
    outputs = stack.outputs(STACK)
    assert outputs["openwebuiUrl"] == "http://chat.example.com"
    assert outputs["namespaces"] == {"gpu": None, **NAMESPACES}


def test_the_state_holds_the_password_and_key_only_encrypted(stack: Workspace):
    exported = stack.pulumi("stack", "export", "--stack", STACK, check=True).output
    assert PASSWORD not in exported and SECRET_KEY not in exported
    resources = json.loads(exported)["deployment"]["resources"]
    secret = next(r for r in resources if r["type"] == "kubernetes:core/v1:Secret")
    # The provider's Check folds stringData into data (base64), and keeps it encrypted.
    assert {key: value.get(SECRET_SIG) for key, value in secret["inputs"].items() if key in ("data", "stringData")} == {
        "data": SECRET_VALUE}
    assert secret["outputs"]["data"].get(SECRET_SIG) == SECRET_VALUE


def test_the_next_up_has_nothing_to_change(stack: Workspace):
    run = stack.pulumi("preview", "--expect-no-changes", "--stack", STACK)
    assert run.ok, run.output[-4000:]


LONGHORN = "longhorn-system"
BACKUP = {"backups.target": "nfs://nas.example.com:/export/longhorn", "backups.longhornNamespace": LONGHORN,
          "openwebui.backup.schedule": "0 3 * * *"}


def test_turning_its_backup_on_labels_its_own_claim_in_place_and_adds_one_job(stack: Workspace, cluster: Cluster):
    cluster.apply({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": LONGHORN}})
    claim = cluster.uid("pvc", "open-webui-data", NAMESPACES["openwebui"])
    for key, value in BACKUP.items():
        stack.pulumi("config", "set", "--path", key, value, "--stack", STACK, check=True)

    preview = stack.pulumi("preview", "--diff", "--stack", STACK)
    assert preview.ok, preview.output[-4000:]
    assert "replace" not in preview.output.lower(), preview.output[-4000:]
    run = stack.pulumi("up", "--yes", "--skip-preview", "--stack", STACK, timeout=600)
    assert run.ok, run.output[-4000:]

    pvc = cluster.get("pvc", "open-webui-data", NAMESPACES["openwebui"])
    assert pvc["metadata"]["uid"] == claim
    assert {k: v for k, v in pvc["metadata"]["labels"].items() if k.startswith("recurring-job")} == {
        "recurring-job.longhorn.io/source": "enabled", "recurring-job.longhorn.io/open-webui-backup": "enabled"}
    job = cluster.get("recurringjobs.longhorn.io", "open-webui-backup", LONGHORN)
    # What the API server kept under Longhorn's schema is what the program wrote.
    assert job["spec"] == {"name": "open-webui-backup", "task": "backup", "cron": "0 3 * * *", "retain": 7,
                           "concurrency": 1, "groups": [], "labels": {}, "parameters": {}}
    again = stack.pulumi("preview", "--expect-no-changes", "--stack", STACK)
    assert again.ok, again.output[-4000:]
