"""A Longhorn RecurringJob for an app's data volume, and the claim labels that join the volume to it.

Read at longhorn/longhorn-manager v1.12.1: the RecurringJob's spec (k8s/pkg/apis/longhorn/v1beta2/
recurringjob.go: name, groups, task, cron, retain, concurrency, labels, parameters); the labels that
join a volume to a job, `recurring-job.longhorn.io/<job>: enabled` (types/types.go
LonghornLabelRecurringJobKeyPrefixFmt, LonghornLabelValueEnabled); and the PVC label
`recurring-job.longhorn.io/source: enabled`, without which Longhorn does not copy a claim's job
labels to its volume (controller/volume_controller.go, hasRecurringJobSourceLabel).
"""

from __future__ import annotations

import pulumi
import pulumi_kubernetes as k8s

from stack_config.longhorn_settings import recurring_job_name
from stack_config.model import Backup

API_VERSION = "longhorn.io/v1beta2"
JOB_LABEL_PREFIX = "recurring-job.longhorn.io/"
SOURCE_LABEL = f"{JOB_LABEL_PREFIX}source"
ENABLED = "enabled"


def claim_labels(namespace: str, backup: Backup) -> dict[str, str]:
    """The labels that put the claim's volume in its app's job, and in no group: a volume with no job
    label at all would join the group `default`, which other jobs of the cluster may use."""
    return {SOURCE_LABEL: ENABLED, f"{JOB_LABEL_PREFIX}{recurring_job_name(namespace, backup.task)}": ENABLED}


def recurring_job(name: str, *, namespace: str, backup: Backup, longhorn_namespace: str,
                  opts: pulumi.ResourceOptions) -> k8s.apiextensions.CustomResource:
    """The job that backs up (or snapshots) the volumes labelled for it, on its schedule."""
    assert backup.schedule is not None, "only an app with a backup schedule has a job"
    job = recurring_job_name(namespace, backup.task)
    return k8s.apiextensions.CustomResource(
        name,
        api_version=API_VERSION,
        kind="RecurringJob",
        metadata=k8s.meta.v1.ObjectMetaArgs(name=job, namespace=longhorn_namespace),
        # The webhook's mutator writes empty groups, labels and parameters and a concurrency of 1
        # when they are missing (webhook/resources/recurringjob/mutator.go): written here, nothing drifts.
        spec={
            "name": job,
            "task": backup.task,
            "cron": backup.schedule,
            "retain": backup.retain,
            "concurrency": 1,
            "groups": [],
            "labels": {},
            "parameters": {},
        },
        opts=opts,
    )
