"""Backups of what cannot be downloaded again: a Longhorn RecurringJob per volume that holds user data,
joined to the program's own claim by labels, valid against Longhorn's schema (docs/data-safety.md)."""

from __future__ import annotations

import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import jsonschema
import kubernetes_validate
import pytest
import yaml
from open_webui_stacks import OPEN_WEBUI_ON, OPEN_WEBUI_SECRET_KEYS
from registrations import named, of_type
from tree_edits import changed_config

from offline_preview.capture import Capture, run_program
from stack_config import ConfigError, quantity_value
from stack_config.stack_files import parse_stack_file_config

FACTS = Path(__file__).resolve().parent / "chart_values" / "longhorn-1.12.1.recurringjob.json"
TARGET = {"backups.target": "nfs://nas.lan:/export/longhorn"}
COMFYUI_NIGHTLY = {**TARGET, "comfyui.backup.schedule": "0 3 * * *"}
RECURRING_JOB = "kubernetes:longhorn.io/v1beta2:RecurringJob"


def run(homelab_config: dict, changes: dict) -> Capture:
    capture = run_program(changed_config(homelab_config, changes))
    assert capture.error is None, capture.error
    return capture


def spec_schema() -> dict:
    """Longhorn 1.12.1's schema of a RecurringJob's spec; unknown fields refused, as strict field validation does."""
    return {**json.loads(FACTS.read_text())["spec"], "additionalProperties": False}


def jobs(capture: Capture) -> dict[str, dict]:
    return {r.inputs["metadata"]["name"]: r.inputs for r in of_type(capture, RECURRING_JOB)}


def test_a_nightly_comfyui_backup_registers_one_job_valid_against_longhorns_schema(homelab_config):
    capture = run(homelab_config, COMFYUI_NIGHTLY)

    (job,) = jobs(capture).values()
    assert (job["apiVersion"], job["kind"]) == ("longhorn.io/v1beta2", "RecurringJob")
    assert job["metadata"] == {"name": "comfyui-backup", "namespace": "longhorn-system"}
    jsonschema.validate(job["spec"], spec_schema())
    assert job["spec"] == {"name": "comfyui-backup", "task": "backup", "cron": "0 3 * * *", "retain": 7,
                           "concurrency": 1, "groups": [], "labels": {}, "parameters": {}}
    # The job reaches the volume through its claim's labels, and only this claim's.
    assert named(capture, "comfyui-data").inputs["metadata"]["labels"] == {
        "recurring-job.longhorn.io/source": "enabled", "recurring-job.longhorn.io/comfyui-backup": "enabled"}
    assert "labels" not in named(capture, "ollama-models").inputs["metadata"]


def test_turning_a_backup_on_changes_only_the_claims_labels(homelab, homelab_config):
    before, after = named(homelab, "comfyui-data"), named(run(homelab_config, COMFYUI_NIGHTLY), "comfyui-data")
    assert (after.protect, after.retain_on_delete) == (before.protect, before.retain_on_delete) == (True, True)
    assert {**after.inputs, "metadata": {k: v for k, v in after.inputs["metadata"].items() if k != "labels"}} == before.inputs


def test_open_webui_backs_up_its_whole_volume(homelab_config):
    open_webui = {**OPEN_WEBUI_ON, "backup": {"schedule": "@every 6h", "retain": 28}}
    capture = run_program(changed_config(homelab_config, {**TARGET, "openwebui": open_webui}),
                          secret_keys=OPEN_WEBUI_SECRET_KEYS)
    assert capture.error is None, capture.error
    job = jobs(capture)["open-webui-backup"]
    jsonschema.validate(job["spec"], spec_schema())
    assert (job["spec"]["cron"], job["spec"]["retain"]) == ("@every 6h", 28)
    assert named(capture, "openwebui-data").inputs["metadata"]["labels"]["recurring-job.longhorn.io/open-webui-backup"] \
        == "enabled"


def test_snapshots_need_no_target(homelab_config):
    capture = run(homelab_config, {"comfyui.backup.schedule": "0 * * * *", "comfyui.backup.task": "snapshot"})
    assert jobs(capture)["comfyui-snapshot"]["spec"]["task"] == "snapshot"


def test_backups_off_register_no_job(homelab):
    assert jobs(homelab) == {}


def refusal(homelab_config: dict, changes: dict) -> str:
    with pytest.raises(ConfigError) as raised:
        parse_stack_file_config(changed_config(homelab_config, changes))
    return str(raised.value)


def test_a_backup_without_a_target_is_refused_saying_what_to_set(homelab_config):
    message = refusal(homelab_config, {"comfyui.backup.schedule": "0 3 * * *"})
    assert "homelab-ai:backups.target is missing; expected the URL of Longhorn's backup target" in message
    assert "comfyui.backup.task: snapshot" in message


@pytest.mark.parametrize("schedule", ["0 3 * * *", "*/15 * * * *", "0 3 * * mon-fri", "30 2 1,15 * ?", "0 0 1 jan *",
                                      "5/10 * * * *", "@daily", "@every 1h30m"])
def test_schedules_longhorn_accepts_are_accepted(homelab_config, schedule):
    assert parse_stack_file_config(changed_config(homelab_config, {**TARGET, "comfyui.backup.schedule": schedule}))


@pytest.mark.parametrize("schedule", ["0 3 * *", "0 3 * * * *", "60 * * * *", "0 24 * * *", "0 0 0 * *", "* * * 13 *",
                                      "0 3 * * 7", "*/0 * * * *", "5-1 * * * *", "nightly", "@fortnightly", 3])
def test_a_schedule_that_is_not_cron_is_refused_naming_the_key(homelab_config, schedule):
    message = refusal(homelab_config, {**TARGET, "comfyui.backup.schedule": schedule})
    assert "homelab-ai:comfyui.backup.schedule" in message and "a cron schedule of five fields" in message


def test_an_empty_schedule_is_the_default_no_backup(homelab_config):
    assert jobs(run(homelab_config, {**TARGET, "comfyui.backup.schedule": ""})) == {}


@pytest.mark.parametrize("changes, key", [
    ({"ollama.backup.schedule": "0 3 * * *"}, "homelab-ai:ollama.backup"),
    ({**COMFYUI_NIGHTLY, "backups.target": "https://nas.lan/backups"}, "homelab-ai:backups.target"),
    ({**COMFYUI_NIGHTLY, "comfyui.backup.retain": 101}, "homelab-ai:comfyui.backup.retain"),
    ({**COMFYUI_NIGHTLY, "comfyui.backup.task": "backup-force-create"}, "homelab-ai:comfyui.backup.task"),
    ({**COMFYUI_NIGHTLY, "comfyui.namespace": "comfyui-for-the-whole-family-and-friends"}, "homelab-ai:comfyui.namespace"),
], ids=["ollamas-cache-is-downloads-only", "not-a-backup-store", "past-longhorns-retention", "not-offered",
        "job-name-past-40"])
def test_backup_settings_longhorn_would_refuse_are_refused_first(homelab_config, changes, key):
    assert key in refusal(homelab_config, changes)


# Consistency: a Longhorn backup copies a snapshot, the volume's blocks at one instant: what a
# crash leaves. Open WebUI 0.11.0 keeps webui.db in WAL mode with synchronous=NORMAL
# (open_webui/internal/db.py _apply_sqlite_pragmas, env.py DATABASE_ENABLE_SQLITE_WAL), which
# SQLite keeps consistent across a crash. Here the writer is killed mid-transaction and the
# files it leaves are copied as they are, as a snapshot holds them.

WRITER = r"""
import sqlite3, sys
db = sqlite3.connect(sys.argv[1], isolation_level=None)
for pragma in ("journal_mode=WAL", "synchronous=NORMAL", "mmap_size=268435456", "journal_size_limit=67108864"):
    db.execute(f"PRAGMA {pragma}")
db.execute("CREATE TABLE IF NOT EXISTS chat (id INTEGER PRIMARY KEY, body TEXT)")
n = 0
while True:
    db.execute("BEGIN")
    for _ in range(50):
        db.execute("INSERT INTO chat (body) VALUES (?)", ("x" * 2000,))
    db.execute("COMMIT")
    n += 1
    print(n, flush=True)
"""


def test_a_crash_consistent_copy_of_open_webuis_database_opens_whole(tmp_path):
    live, copy = tmp_path / "live", tmp_path / "copy"
    live.mkdir()
    writer = subprocess.Popen([sys.executable, "-c", WRITER, str(live / "webui.db")], stdout=subprocess.PIPE, text=True)
    assert writer.stdout is not None
    committed = 0
    deadline = time.monotonic() + 60
    while committed < 200 and time.monotonic() < deadline:
        committed = int(writer.stdout.readline())
    os.kill(writer.pid, signal.SIGKILL)
    writer.wait()
    assert committed >= 200
    # The WAL still holds transactions no checkpoint has moved into the database file.
    assert (live / "webui.db-wal").stat().st_size > 0

    shutil.copytree(live, copy)
    restored = sqlite3.connect(copy / "webui.db")
    assert restored.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
    # Every acknowledged commit survives a killed process (a power loss under synchronous=NORMAL may
    # lose the last ones, never consistency); the one in flight is all or nothing.
    rows = restored.execute("SELECT count(*) FROM chat").fetchone()[0]
    assert rows % 50 == 0 and rows >= committed * 50


# The restore steps of docs/data-safety.md, held to the program as far as they run offline.

DATA_SAFETY = (Path(__file__).resolve().parent.parent / "docs" / "data-safety.md").read_text()


def restore_manifests(name: str) -> list[dict]:
    """The objects of the YAML block that starts `# <name>` in docs/data-safety.md."""
    block = DATA_SAFETY.split(f"```yaml\n# {name}\n", 1)[1].split("```", 1)[0]
    return [document for document in yaml.safe_load_all(block) if document]


def test_the_restored_volume_is_claimed_beside_the_apps_own_claim(homelab):
    volume, pv, pvc = restore_manifests("restore-volume.yaml")
    claim = named(homelab, "comfyui-data").inputs
    size = claim["spec"]["resources"]["requests"]["storage"]
    assert (pv["spec"]["capacity"]["storage"], pvc["spec"]["resources"]["requests"]["storage"]) == (size, size)
    assert int(volume["spec"]["size"]) == int(quantity_value(size))
    assert pvc["metadata"]["namespace"] == claim["metadata"]["namespace"]
    assert pvc["metadata"]["name"] != claim["metadata"]["name"]
    # The claim binds that PV, and the PV is that Longhorn volume.
    assert pvc["spec"]["volumeName"] == pv["metadata"]["name"]
    assert pv["spec"]["csi"] == {"driver": "driver.longhorn.io", "fsType": "ext4", "volumeHandle": volume["metadata"]["name"]}
    assert pv["spec"]["storageClassName"] == pvc["spec"]["storageClassName"] == "longhorn-static"
    assert volume["metadata"]["namespace"] == "longhorn-system"


def test_the_restored_volume_uses_only_fields_of_longhorns_crd():
    volume = restore_manifests("restore-volume.yaml")[0]
    facts = json.loads((FACTS.parent / "longhorn-1.12.1.volume.json").read_text())
    assert (volume["apiVersion"], volume["kind"]) == ("longhorn.io/v1beta2", "Volume")
    assert set(volume["spec"]) <= set(facts["spec_property_names"])
    jsonschema.validate(volume["spec"], {"type": "object", "properties": facts["spec_properties"]})


def test_the_copy_runs_the_apps_own_image_over_the_apps_own_claim(homelab):
    (job,) = restore_manifests("restore-copy.yaml")
    deployment = named(homelab, "comfyui-deployment").inputs
    spec = job["spec"]["template"]["spec"]
    assert job["metadata"]["namespace"] == deployment["metadata"]["namespace"]
    assert spec["containers"][0]["image"] == deployment["spec"]["template"]["spec"]["containers"][0]["image"]
    claims = {v["name"]: v["persistentVolumeClaim"] for v in spec["volumes"]}
    assert claims == {"data": {"claimName": "comfyui-data"},
                      "restore": {"claimName": restore_manifests("restore-volume.yaml")[2]["metadata"]["name"], "readOnly": True}}
    # Baseline is what the app namespaces enforce: no privilege, no host access.
    assert "securityContext" not in spec and "hostPath" not in json.dumps(spec)


@pytest.mark.parametrize("name", ["restore-volume.yaml", "restore-copy.yaml"])
def test_the_restore_objects_pass_the_kubernetes_schemas(name):
    for document in restore_manifests(name):
        if document["apiVersion"].startswith("longhorn.io/"):
            continue
        kubernetes_validate.validate(document, "1.34", strict=True)


def test_stopping_the_app_for_a_restore_leaves_its_claim_and_namespace_as_they_were(homelab, homelab_config):
    stopped = run(homelab_config, {"comfyui.enabled": False})
    for name in ("comfyui-data", "comfyui-namespace"):
        before, after = named(homelab, name), named(stopped, name)
        assert (after.inputs, after.protect, after.retain_on_delete) == (before.inputs, True, True)
    assert named(stopped, "comfyui-deployment").inputs["spec"]["replicas"] == 0


def test_the_real_engine_tiers_stand_in_crd_holds_longhorns_own_spec_schema():
    crd = yaml.safe_load((Path(__file__).resolve().parent.parent / "e2e" / "crds" / "recurringjobs.yaml").read_text())
    (version,) = crd["spec"]["versions"]
    assert (crd["spec"]["group"], crd["spec"]["names"]["kind"], version["name"]) == ("longhorn.io", "RecurringJob", "v1beta2")
    assert version["schema"]["openAPIV3Schema"]["properties"]["spec"] == json.loads(FACTS.read_text())["spec"]
