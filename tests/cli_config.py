"""What `pulumi config set` and `pulumi config rm` store in a stack file, for tests that set values as users do.

Follows pulumi/pulumi sdk/go/common/resource/config/map.go: without --path the key is stored
whole, as a string. With --path, `Map.Set` walks the path into the section's object and stores
the text as `adjustObjectValue` types it: "true" and "false" become booleans; text of more than
one character starting with "0" stays text; what Go's strconv.Atoi parses (an optional sign and
decimal digits, within int64) becomes an integer; anything else stays text. `--type string`
keeps the text as it is.
"""

from __future__ import annotations

import copy
import re
from typing import Any, Optional

_ATOI = re.compile(r"^[+-]?[0-9]+$")
_PATH_PART = re.compile(r'\["([^"]*)"\]|\[(\d+)\]|([^.\[\]]+)')


def cli_typed(text: str, type_: Optional[str] = None) -> Any:
    """The value `pulumi config set --path [--type T] <key> <text>` stores."""
    if type_ == "string":
        return text
    if text in ("true", "false"):
        return text == "true"
    if len(text) > 1 and text[0] == "0":
        return text
    if _ATOI.match(text) and -(2**63) <= int(text) < 2**63:
        return int(text)
    return text


def _parts(path: str) -> list[str]:
    return [quoted or index or name for quoted, index, name in _PATH_PART.findall(path)]


def config_set(config: dict[str, Any], key: str, text: str, *, path: bool = False,
               type_: Optional[str] = None, project: str = "homelab-ai") -> dict[str, Any]:
    """A copy of a stack file's `config:` map after `pulumi config set [--path] <key> <text>`."""
    result = copy.deepcopy(config)
    if not path:
        result[f"{project}:{key}"] = text
        return result
    top, *rest = _parts(key)
    if not rest:
        result[f"{project}:{top}"] = text
        return result
    node = result.setdefault(f"{project}:{top}", {})
    for part in rest[:-1]:
        node = node.setdefault(part, {})
    node[rest[-1]] = cli_typed(text, type_)
    return result


def config_rm(config: dict[str, Any], key: str, *, project: str = "homelab-ai") -> dict[str, Any]:
    """A copy of a stack file's `config:` map after `pulumi config rm --path <key>`."""
    result = copy.deepcopy(config)
    top, *rest = _parts(key)
    node = result.get(f"{project}:{top}")
    for part in rest[:-1]:
        node = node.get(part) if isinstance(node, dict) else None
    if isinstance(node, dict) and rest:
        node.pop(rest[-1], None)
    return result
