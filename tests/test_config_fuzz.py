"""Generated stack configs either build a valid program or fail with the program's own ConfigError
naming a key; never a raw traceback, and nothing registered before the error."""

from __future__ import annotations

import copy
import re
from typing import Any

from fuzz_counts import TRIED
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from registrations import named

from offline_preview.capture import run_program
from stack_config import FIELDS, SECTIONS, ConfigError, parse_stack_config
from stack_config.stack_files import stack_file_config

HOMELAB = stack_file_config("homelab")

scalars = st.one_of(
    st.none(), st.booleans(),
    st.integers(min_value=-(10**30), max_value=10**30),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=40),
    st.sampled_from(["", "100Gi", "100GB", "1e400", "1e-400", "9" * 60 + "Gi", "0", "-1", "latest",
                     "nvidia", "0.0.0.0/0", "192.168.1.0/24", "ollama.madhan.app", "ʜᴏsᴛ.app", "/root", "true"]),
)
json_values = st.recursive(scalars, lambda inner: st.one_of(
    st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=12), inner, max_size=4)), max_leaves=12)
field_paths = st.sampled_from([f.key for f in FIELDS])


@st.composite
def stack_configs(draw) -> dict[str, Any]:
    """The homelab config with some fields replaced, some keys added and some sections mangled."""
    config = copy.deepcopy(HOMELAB)
    for key in draw(st.lists(field_paths, max_size=6)):
        section, _, path = key.partition(".")
        node = config.setdefault(f"homelab-ai:{section}", {})
        *parents, leaf = path.split(".")
        for part in parents:
            child = node.get(part)
            node = node.setdefault(part, {}) if isinstance(child, dict) or child is None else {}
        node[leaf] = draw(json_values)
    for section in draw(st.lists(st.sampled_from(SECTIONS), max_size=2)):
        config[f"homelab-ai:{section}"] = draw(json_values)
    if draw(st.booleans()):
        section = draw(st.sampled_from(SECTIONS))
        if isinstance(config.get(f"homelab-ai:{section}"), dict):
            config[f"homelab-ai:{section}"][draw(st.text(max_size=12))] = draw(json_values)
    # Keys beside the sections: ours (a forgotten --path, a typo) and other namespaces' (not ours).
    for namespace in draw(st.lists(st.sampled_from(["homelab-ai", "kubernetes"]), max_size=2)):
        config[f"{namespace}:{draw(st.text(min_size=1, max_size=16))}"] = draw(json_values)
    return config


def _trees(config: dict[str, Any]) -> dict[str, Any]:
    return {key.split(":", 1)[1]: value for key, value in config.items() if key.startswith("homelab-ai:")}


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(stack_configs())
def test_generated_configs_validate_or_fail_naming_a_key(config):
    TRIED["config validation"] += 1
    trees = _trees(config)
    try:
        parse_stack_config(trees)
    except ConfigError as error:
        assert error.problems
        for problem in error.problems:
            assert problem.key in trees or re.split(r"[.\[]", problem.key)[0] in SECTIONS, problem.key
            assert f"homelab-ai:{problem.key}" in str(error)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(stack_configs())
def test_the_program_registers_nothing_before_a_config_error(config):
    TRIED["program under mocks"] += 1
    capture = run_program(config)
    if capture.error is not None:
        assert isinstance(capture.error, ConfigError), repr(capture.error)
        assert capture.registrations == []
    else:
        assert named(capture, "ollama-models").protect and named(capture, "comfyui-data").protect
