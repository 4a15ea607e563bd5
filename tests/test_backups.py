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
import pytest
from open_webui_stacks import OPEN_WEBUI_ON, OPEN_WEBUI_SECRET_KEYS
from registrations import named, of_type
from tree_edits import changed_config

from offline_preview.capture import Capture, run_program
from stack_config import ConfigError
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
                                      "0 3 * * 7", "*/0 * * * *", "5-1 * * * *", "nightly", "@fortnightly", 3, ""])
def test_a_schedule_that_is_not_cron_is_refused_naming_the_key(homelab_config, schedule):
    changes = {**TARGET, "comfyui.backup.schedule": schedule}
    if schedule == "":
        # Empty is the default: no backup at all.
        assert jobs(run(homelab_config, changes)) == {}
        return
    message = refusal(homelab_config, changes)
    assert "homelab-ai:comfyui.backup.schedule" in message and "a cron schedule of five fields" in message


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
