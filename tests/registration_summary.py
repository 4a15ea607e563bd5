"""A stable, JSON-ready summary of what a program run registers: the engine's view of a stack.

Two runs that summarise alike register the same resources with the same options and inputs, so
`pulumi up` would change nothing between them. Used to hold a stack's registrations to a golden
file taken before a change that must not touch that stack.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from offline_preview.capture import Capture

GOLDEN_DIR = Path(__file__).resolve().parent / "golden"


def registration_summary(capture: Capture) -> list[dict[str, Any]]:
    """Type, name, parent, options and inputs of each registration, ordered by URN.

    Registration order is not part of a stack: the SDK registers resources as their inputs resolve.
    """
    return sorted([
        {
            "type": r.type,
            "name": r.name,
            "urn": r.urn,
            "parent": r.parent,
            "protect": r.protect,
            "retainOnDelete": r.retain_on_delete,
            "deleteBeforeReplace": r.delete_before_replace,
            "dependencies": sorted(r.dependencies),
            "customTimeouts": {
                "create": r.request.customTimeouts.create,
                "update": r.request.customTimeouts.update,
                "delete": r.request.customTimeouts.delete,
            },
            "inputs": r.inputs,
        }
        for r in capture.registrations
    ], key=lambda entry: entry["urn"])


def summary_json(capture: Capture) -> str:
    return json.dumps(registration_summary(capture), indent=1, sort_keys=True) + "\n"


def golden_summary(name: str) -> str:
    return (GOLDEN_DIR / f"{name}.json").read_text()
