"""Edits of nested config and manifest trees by dotted path, for tests that change one thing."""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any

DELETE = object()
"""As a value: remove the key instead of setting it."""


def changed(tree: Mapping[str, Any], path: str, value: Any = DELETE) -> dict[str, Any]:
    """A deep copy of ``tree`` with the dotted ``path`` set to ``value``, or removed."""
    result = copy.deepcopy(dict(tree))
    *parents, leaf = path.split(".")
    node = result
    for key in parents:
        node = node.setdefault(key, {})
    if value is DELETE:
        node.pop(leaf, None)
    else:
        node[leaf] = value
    return result


def changed_config(config: dict[str, Any], changes: dict[str, Any]) -> dict[str, Any]:
    """A copy of a stack file's config with some fields changed.

    ``{"gpu.plugin": "none"}`` sets homelab-ai:gpu.plugin; a value of ``DELETE`` removes the field.
    """
    for dotted, value in changes.items():
        config = changed(config, f"homelab-ai:{dotted}", value)
    return config
