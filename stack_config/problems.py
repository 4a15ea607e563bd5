"""What a refused config reports: one Problem per bad key, all of them in one ConfigError."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import pulumi

from stack_config.vocabulary import PROJECT


@dataclass(frozen=True)
class Problem:
    key: str
    value: Any
    accepted: str
    missing: bool = False

    def __str__(self) -> str:
        if self.missing:
            return f"{PROJECT}:{self.key} is missing; expected {self.accepted}"
        return f"{PROJECT}:{self.key} = {_show(self.value)} is not accepted; expected {self.accepted}"


def _show(value: Any) -> str:
    text = json.dumps(value, ensure_ascii=False, default=repr)
    return text if len(text) <= 80 else text[:77] + "..."


class ConfigError(pulumi.RunError):
    """Raised before any resource is registered; lists every problem found, not just the first."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        lines = "\n".join(f"  - {p}" for p in problems)
        super().__init__(f"invalid stack configuration ({len(problems)} problem(s)):\n{lines}")
