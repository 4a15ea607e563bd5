"""Which claims a Longhorn RecurringJob of the stack backs up, read at longhorn/longhorn-manager v1.12.1.

A volume joins a job through `recurring-job.longhorn.io/<job>: enabled` or a group through
`recurring-job-group.longhorn.io/<group>: enabled` (types/types.go LonghornLabelRecurringJobKeyPrefixFmt);
on a PVC, Longhorn copies those labels to the volume only while the PVC also carries
`recurring-job.longhorn.io/source: enabled` (controller/volume_controller.go hasRecurringJobSourceLabel).
Only `backup` and `backup-force-create` copy a snapshot off the volume's disks (recurringjob.go).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from .readers import dig, mapping, sequence

RECURRING_JOB_TYPE = "kubernetes:longhorn.io/v1beta2:RecurringJob"
JOB_LABEL = "recurring-job.longhorn.io/"
GROUP_LABEL = "recurring-job-group.longhorn.io/"
SOURCE_LABEL = f"{JOB_LABEL}source"
BACKUP_TASKS = frozenset({"backup", "backup-force-create"})
SNAPSHOT_TASKS = frozenset({"snapshot", "snapshot-force-create"})


@dataclass(frozen=True)
class RecurringJob:
    name: str
    task: str
    groups: tuple[str, ...]


def recurring_jobs(resources: Sequence[Any]) -> list[RecurringJob]:
    """The stack's RecurringJobs: ``resources`` are StackResources (type and props)."""
    jobs = []
    for resource in resources:
        if resource.type != RECURRING_JOB_TYPE:
            continue
        name = dig(resource.props, ("metadata", "name"))
        task = dig(resource.props, ("spec", "task"))
        groups = tuple(g for g in sequence(dig(resource.props, ("spec", "groups"))) if isinstance(g, str))
        if isinstance(name, str) and isinstance(task, str):
            jobs.append(RecurringJob(name, task, groups))
    return jobs


def claim_jobs(claim_props: Mapping[str, Any], jobs: Sequence[RecurringJob]) -> list[RecurringJob]:
    """The jobs a PVC's labels put its volume in."""
    labels = mapping(dig(claim_props, ("metadata", "labels")))
    if labels.get(SOURCE_LABEL) != "enabled":
        return []
    enabled = {key for key, value in labels.items() if value == "enabled"}
    return [job for job in jobs
            if f"{JOB_LABEL}{job.name}" in enabled or any(f"{GROUP_LABEL}{group}" in enabled for group in job.groups)]
