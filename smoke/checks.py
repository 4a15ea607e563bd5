"""Checks of one app, run in order and timed, and the table that reports them."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Generic, TypeVar

from smoke.http_api import ProbeError

T = TypeVar("T")

PASS = "PASS"
FAIL = "FAIL"
SKIP = "SKIP"


class CheckFailed(Exception):
    """The app answered, but not as a working, GPU-backed app answers."""


@dataclass(frozen=True)
class Passed(Generic[T]):
    """A check that passed: what the table says about it, and what later checks need from it."""

    detail: str
    value: T


@dataclass(frozen=True)
class CheckResult:
    app: str
    check: str
    status: str
    seconds: float | None
    detail: str


class AppChecks:
    """Runs one app's checks in order.

    After a failure that would repeat (unreachable, refused, timed out) the rest are skipped.
    """

    def __init__(self, app: str) -> None:
        self.app = app
        self.results: list[CheckResult] = []
        # Why the remaining checks are not run, once one failed in a way that would repeat.
        self.stopped: str | None = None

    def run(self, check: str, run: Callable[[], Passed[T]]) -> T | None:
        """The check's value when it passed, None when it failed or did not run."""
        if self.stopped is not None:
            self.skip(check, self.stopped)
            return None
        start = time.monotonic()
        try:
            passed = run()
        except ProbeError as error:
            self._record(check, FAIL, start, str(error))
            if error.stops:
                self.stopped = f"not run: {check} failed"
            return None
        except CheckFailed as error:
            self._record(check, FAIL, start, str(error))
            return None
        self._record(check, PASS, start, passed.detail)
        return passed.value

    def skip(self, check: str, reason: str) -> None:
        self.results.append(CheckResult(self.app, check, SKIP, None, reason))

    def _record(self, check: str, status: str, start: float, detail: str) -> None:
        self.results.append(CheckResult(self.app, check, status, time.monotonic() - start, detail))


def gib(size: int) -> str:
    return f"{size / 2**30:.1f} GiB"


def render_table(results: list[CheckResult]) -> str:
    rows = [("APP", "CHECK", "STATUS", "TIME", "DETAIL")]
    rows += [
        (r.app, r.check, r.status, "" if r.seconds is None else f"{r.seconds:.2f} s", r.detail) for r in results
    ]
    widths = [max(len(row[column]) for row in rows) for column in range(4)]
    lines = ("  ".join(cell.ljust(width) for cell, width in zip(row[:4], widths, strict=True)) + "  " + row[4]
             for row in rows)
    return "\n".join(lines)


def summary(results: list[CheckResult]) -> str:
    failed = sum(r.status == FAIL for r in results)
    passed = sum(r.status == PASS for r in results)
    skipped = len(results) - failed - passed
    verdict = "FAILED" if failed or not passed else "PASSED"
    return f"{verdict}: {passed} passed, {failed} failed, {skipped} skipped"


def all_passed(results: list[CheckResult]) -> bool:
    """Exit status 0 needs at least one check and no failure; a skip after a failure counts with that failure."""
    return any(r.status == PASS for r in results) and not any(r.status == FAIL for r in results)
