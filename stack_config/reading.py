"""Reading the stack's config: every `homelab-ai:*` key checked, each row parsed, the dataclasses built.

The Python language host hands the program the stack's whole config as one JSON map of key to
string, in the PULUMI_CONFIG variable (constructConfig, sdk/python/cmd/pulumi-language-python/main.go
in pulumi/pulumi); an object value is JSON text, and a top-level value is always a string.
``pulumi.runtime.set_all_config`` (the mocks, inline programs) puts a map of the same shape in
``pulumi.runtime.config.CONFIG``, which the SDK reads before PULUMI_CONFIG (runtime/config.py).
"""

from __future__ import annotations

import dataclasses
import difflib
import json
import re
from typing import Any, Collection, Mapping, TypeVar, get_type_hints

import pulumi.runtime.config

from stack_config.checks import consistency_problems
from stack_config.defaults import plan_attributes, platform_attributes, resolved_values
from stack_config.model import StackConfig
from stack_config.problems import ConfigError, Problem
from stack_config.schema import FIELDS, SECTIONS, Field
from stack_config.values import Rejected
from stack_config.vocabulary import PROJECT

_MISSING = object()
SECRET = "[secret]"
T = TypeVar("T")


def runtime_config() -> dict[str, Any]:
    """This stack's `homelab-ai:*` keys (without the prefix) as the language host gave them, objects decoded."""
    given = {**pulumi.runtime.config.get_config_env(), **pulumi.runtime.config.CONFIG.get()}
    return {key.split(":", 1)[1]: _decoded(value) for key, value in given.items() if key.startswith(f"{PROJECT}:")}


def _decoded(value: Any) -> Any:
    if isinstance(value, str) and value.lstrip()[:1] in ("{", "["):
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value


def runtime_secret_keys() -> frozenset[str]:
    """Which of those keys the stack holds as secrets (`pulumi config set --secret`)."""
    given = {**pulumi.runtime.config.get_config_env(), **pulumi.runtime.config.CONFIG.get()}
    listed = set(pulumi.runtime.config.get_config_secret_keys_env())
    return frozenset(key.split(":", 1)[1] for key in given
                     if key.startswith(f"{PROJECT}:") and (key in listed or pulumi.runtime.config.is_config_secret(key)))


def read_stack_config() -> StackConfig:
    """Reads every `homelab-ai:*` key of this stack and validates them together."""
    return parse_stack_config(runtime_config(), secret=runtime_secret_keys())


def parse_stack_config(trees: Mapping[str, Any], secret: Collection[str] = ()) -> StackConfig:
    """Validates a stack's `homelab-ai:*` values: key without the prefix -> its YAML (or JSON) value.

    Raises ConfigError naming every bad key, its value and what it accepts; the values of the
    keys in ``secret`` are not shown.
    """
    problems = [_unknown_key(key, value, key in secret) for key, value in trees.items() if key not in SECTIONS]
    secret = set(secret)
    values: dict[str, Any] = {}
    for section in SECTIONS:
        tree = trees.get(section, {})
        if not isinstance(tree, dict):
            problems.append(Problem(section, tree, f"an object (a YAML map of {section} settings)"))
            tree = {}
        problems += _shape_problems(section, tree, section in secret)
        for field in (f for f in FIELDS if f.section == section):
            value = _lookup(tree, field.path)
            if _encrypted(value):
                # A stack file's `secure:` value, read by a tool without the CLI, which alone decrypts it:
                # its text is unknown here, so it stands as the placeholder, and the CLI's run checks it.
                values[field.key] = SECRET
                secret.add(section)
                continue
            try:
                values[field.key] = field.parse(field.default if value is _MISSING else value)
            except Rejected as rejected:
                problems.append(Problem(field.key, value, rejected.accepted))
    if problems:
        raise ConfigError(_hidden(problems, secret))

    config = _build(values)
    problems = consistency_problems(config) + _plain_secret_problems(values, secret)
    if problems:
        raise ConfigError(_hidden(problems, secret))
    return config


def _plain_secret_problems(values: Mapping[str, Any], secret: Collection[str]) -> list[Problem]:
    """A secret field set in plain text would sit in Pulumi.<stack>.yaml and in the state.

    The language host marks a whole structured key secret when any value in it is
    (`pulumi config set --secret --path`), so the section is what can be checked.
    """
    return [Problem(field.key, "[plain text]",
                    f"a secret: `pulumi config set --secret --path {field.key} ...` (in plain text it would sit in "
                    "Pulumi.<stack>.yaml and in the state)")
            for field in FIELDS
            if field.secret and values[field.key] is not None and field.section not in secret
            and values.get(f"{field.section}.installed", True)]


def _encrypted(value: Any) -> bool:
    """A value as Pulumi.<stack>.yaml holds a secret: `{secure: <ciphertext>}`."""
    return isinstance(value, dict) and list(value) == ["secure"] and isinstance(value["secure"], str)


def _hidden(problems: list[Problem], secret: Collection[str]) -> list[Problem]:
    """The problems, with the values of secret keys replaced: an error message ends up in CI logs."""
    return [dataclasses.replace(p, value=SECRET) if not p.missing and (p.key in secret or re.split(r"[.\[]", p.key)[0] in secret)
            else p for p in problems]


def _unknown_key(key: str, value: Any, hidden: bool) -> Problem:
    """A top-level key the program does not read, with the likely slip behind it."""
    first, dot, rest = key.partition(".")
    sections = ", ".join(f"{PROJECT}:{s}" for s in SECTIONS)
    section = first if first in SECTIONS else next(iter(difflib.get_close_matches(first, SECTIONS, n=1)), None)
    if dot and section:
        shown = "<value>" if hidden else value if isinstance(value, str) else json.dumps(value)
        return Problem(key, value, f"no such key: `pulumi config set` without --path stores {PROJECT}:{key} as a key of "
                                   f"its own. Did you mean `pulumi config set --path {section}.{rest} {shown}`? "
                                   f"(then `pulumi config rm '{key}'`)")
    if section:
        return Problem(key, value, f"no such key; did you mean {PROJECT}:{section}? The keys are {sections}")
    return Problem(key, value, f"no such key; the keys are {sections}")


def _lookup(tree: Mapping[str, Any], path: str) -> Any:
    node: Any = tree
    for part in path.split("."):
        if not isinstance(node, dict) or part not in node:
            return _MISSING
        node = node[part]
    return node


def _leaves(node: Any, parts: tuple[str, ...] = ()) -> list[tuple[tuple[str, ...], Any]]:
    """(key parts, value) of each value in a section; an empty map below the top is a value of its own.

    Parts, not dotted strings: a stack may write a key that itself contains a dot.
    """
    if isinstance(node, dict) and (node or not parts) and not _encrypted(node):
        return [leaf for key, value in node.items() for leaf in _leaves(value, (*parts, str(key)))]
    return [(parts, node)]


def _path_key(section: str, parts: tuple[str, ...]) -> str:
    """The key as `pulumi config set --path` spells it: a part with a dot in it goes in brackets."""
    return section + "".join(f'["{part}"]' if "." in part else f".{part}" for part in parts)


def _shape_problems(section: str, tree: dict[str, Any], hidden: bool) -> list[Problem]:
    """Every key the stack sets must be one the program reads: a typo must not fall back to a default."""
    fields = [(tuple(f.path.split(".")), f) for f in FIELDS if f.section == section]
    problems = []
    for parts, value in _leaves(tree):
        key = _path_key(section, parts)
        if any(parts == path or (f.free_form and parts[:len(path)] == path) for path, f in fields):
            continue
        split = tuple(piece for part in parts for piece in part.split("."))
        if split != parts and any(split == path or split[:len(path)] == path for path, _ in fields):
            nested = "".join(f"\n{'  ' * (i + 1)}{piece}:" for i, piece in enumerate(split))
            problems.append(Problem(key, value, (
                f"nested keys, not one key with dots in its name: in Pulumi.<stack>.yaml write{nested} "
                f"{'<value>' if hidden else json.dumps(value)}\nunder {PROJECT}:{section}, or run "
                f"`pulumi config set --path {section}.{'.'.join(split)} <value>`")))
            continue
        below = [".".join(path[len(parts):]) for path, _ in fields if path[:len(parts)] == parts and len(path) > len(parts)]
        if below:
            if value != {}:
                problems.append(Problem(key, value, "an object with the keys " + ", ".join(below)))
            continue
        close = difflib.get_close_matches(".".join(parts), [f.path for _, f in fields], n=1)
        hint = f"did you mean {section}.{close[0]}? " if close else ""
        problems.append(Problem(key, value, f"no such key; {hint}known keys are " + ", ".join(f.path for _, f in fields)))
    return problems


_ATTRIBUTE_TYPES: dict[type, dict[str, Any]] = {}


def _attribute_types(cls: type) -> dict[str, Any]:
    if cls not in _ATTRIBUTE_TYPES:
        _ATTRIBUTE_TYPES[cls] = get_type_hints(cls)
    return _ATTRIBUTE_TYPES[cls]


def _construct(cls: type[T], values: Mapping[str, Any]) -> T:
    """An instance of the dataclass ``cls`` from attribute paths to values; a dotted path fills a nested dataclass."""
    hints = _attribute_types(cls)
    arguments = {}
    for attribute in dataclasses.fields(cls):  # type: ignore[arg-type]
        if attribute.name in values:
            arguments[attribute.name] = values[attribute.name]
        else:
            prefix = f"{attribute.name}."
            arguments[attribute.name] = _construct(
                hints[attribute.name], {k[len(prefix):]: v for k, v in values.items() if k.startswith(prefix)}
            )
    return cls(**arguments)


def _section(section: str, values: Mapping[str, Any], resolved: Mapping[str, Any], planned: Mapping[str, Any]) -> Any:
    rows: list[Field] = [f for f in FIELDS if f.section == section]
    attributes = {f.attribute: resolved.get(f.key, values[f.key]) for f in rows}
    if section == "gpu":
        attributes.update(platform_attributes(values))
    attributes.update(planned)
    # The section's dataclass is the type of its attribute of StackConfig.
    return _construct(_attribute_types(StackConfig)[section], attributes)


def _build(values: Mapping[str, Any]) -> StackConfig:
    resolved, planned = resolved_values(values), plan_attributes(values)
    return StackConfig(**{section: _section(section, values, resolved, planned.get(section, {})) for section in SECTIONS})
