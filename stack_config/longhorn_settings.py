"""Longhorn's recurring jobs and backup targets as Longhorn 1.12.1 reads them (longhorn/longhorn-manager).

- A RecurringJob (k8s/pkg/apis/longhorn/v1beta2/recurringjob.go) is checked by
  datastore/longhorn.go ValidateRecurringJob: its cron by robfig/cron v1.2.0 `ParseStandard`, its
  name at most NameMaximumLength (40) characters.
- Each job's `retain` counts against the setting recurring-job-max-retention, 100 by default
  (types/setting.go); the mutator raises a backup or snapshot job's retain below 1 to 1.
- A backup target's URL scheme is one of types/types.go BackupStoreType*: s3, cifs, nfs, azblob.

The parsers are config parsers (values.py): they raise Rejected with what is accepted.
"""

from __future__ import annotations

import re
from typing import Any

from stack_config.values import Rejected

RECURRING_JOB_NAME_MAX = 40
MAX_RETAIN = 100
BACKUP_STORE_SCHEMES = ("s3", "cifs", "nfs", "azblob")
# recurringjob.go RecurringJobType: the two the stack uses.
BACKUP_TASKS = ("backup", "snapshot")



def recurring_job_name(namespace: str, task: str) -> str:
    """The RecurringJob of an app's data volume: named after the app's namespace, which only that app owns."""
    return f"{namespace}-{task}"


# robfig/cron v1.2.0 spec.go bounds, in ParseStandard's order: minute, hour, day of month, month, day of week.
_FIELDS: tuple[tuple[str, int, int, dict[str, int]], ...] = (
    ("minute", 0, 59, {}),
    ("hour", 0, 23, {}),
    ("day of month", 1, 31, {}),
    ("month", 1, 12, {name: i + 1 for i, name in enumerate(
        ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"))}),
    ("day of week", 0, 6, {name: i for i, name in enumerate(("sun", "mon", "tue", "wed", "thu", "fri", "sat"))}),
)
# parser.go parseDescriptor.
_DESCRIPTORS = ("@yearly", "@annually", "@monthly", "@weekly", "@daily", "@midnight", "@hourly")
_EVERY_RE = re.compile(r"^@every (?:\d+(?:\.\d+)?(?:h|m|s))+$")
_CRON_ACCEPTED = ("a cron schedule of five fields (minute hour day-of-month month day-of-week), such as \"0 3 * * *\" "
                  "for 03:00 every day, or one of " + ", ".join(_DESCRIPTORS) + " or \"@every 6h\"")


def _number(text: str, names: dict[str, int]) -> int:
    if text.lower() in names:
        return names[text.lower()]
    if not text.isdigit():
        raise ValueError(text)
    return int(text)


def _cron_field(expression: str, low: int, high: int, names: dict[str, int]) -> bool:
    """parser.go getField/getRange: comma-separated ranges `a`, `a-b`, `*` or `?`, each with an optional `/step`."""
    for part in expression.split(","):
        span, slash, step = part.partition("/")
        try:
            if span in ("*", "?"):
                start, end = low, high
            else:
                first, dash, last = span.partition("-")
                start = _number(first, names)
                end = _number(last, names) if dash else (high if slash else start)
            if slash and (not step.isdigit() or int(step) == 0):
                return False
        except ValueError:
            return False
        if start < low or end > high or start > end:
            return False
    return True


def cron_schedule(value: Any) -> str:
    """A schedule Longhorn's ParseStandard accepts."""
    if not isinstance(value, str) or len(value) > 100:
        raise Rejected(_CRON_ACCEPTED)
    if value.startswith("@"):
        if value in _DESCRIPTORS or _EVERY_RE.match(value):
            return value
        raise Rejected(_CRON_ACCEPTED)
    fields = value.split()
    if len(fields) != len(_FIELDS) or not all(
            _cron_field(field, low, high, names) for field, (_, low, high, names) in zip(fields, _FIELDS, strict=True)):
        raise Rejected(_CRON_ACCEPTED)
    return value


def backup_target_url(value: Any) -> str:
    """A Longhorn backup target URL, such as nfs://nas.lan:/export/longhorn or s3://bucket@region/path."""
    accepted = ("the URL of Longhorn's backup target, as its BackupTarget `default` holds it, such as "
                "nfs://nas.lan:/export/longhorn or s3://backups@us-east-1/longhorn (" + ", ".join(
                    f"{scheme}://" for scheme in BACKUP_STORE_SCHEMES) + ")")
    if not isinstance(value, str) or len(value) > 1024 or re.search(r"\s", value):
        raise Rejected(accepted)
    scheme, sep, rest = value.partition("://")
    if not sep or scheme not in BACKUP_STORE_SCHEMES or not rest:
        raise Rejected(accepted)
    return value
