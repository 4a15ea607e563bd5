"""The README's config reference and Pulumi.yaml stay true to the program's config table."""

from __future__ import annotations

import json
import re

import pytest
import yaml

from policy_pack_config import PROJECT_DIR
from stack_config import FIELDS, SECTIONS

README = (PROJECT_DIR / "README.md").read_text()
PULUMI_YAML = (PROJECT_DIR / "Pulumi.yaml").read_text()


def _readme_rows() -> dict[str, tuple[str, str]]:
    rows = {}
    for match in re.finditer(r"^\| `([a-z]+\.[A-Za-z.]+)` \| (.+?) \| (.+?) \|$", README, re.MULTILINE):
        rows[match.group(1)] = (match.group(2), match.group(3))
    return rows


def _shown(default) -> str:
    if default == "":
        return "(empty)"
    if isinstance(default, (dict, list)):
        return f"`{json.dumps(default)}`"
    return f"`{default}`"


def test_readme_config_reference_lists_exactly_the_programs_keys():
    assert sorted(_readme_rows()) == sorted(f.key for f in FIELDS)


@pytest.mark.parametrize("field", FIELDS, ids=lambda f: f.key)
def test_readme_states_each_default_and_description(field):
    default, description = _readme_rows()[field.key]
    assert default == _shown(field.default)
    assert description == field.doc


def test_pulumi_yaml_declares_each_section_as_an_optional_object():
    project = yaml.safe_load(PULUMI_YAML)
    assert project["name"] == "homelab-ai"
    assert project["runtime"]["name"] == "python"
    assert list(project["config"]) == [f"homelab-ai:{section}" for section in SECTIONS]
    for declared in project["config"].values():
        assert declared["type"] == "object"
        assert declared["default"] == {}
        assert declared["description"].endswith("see docs/configuration.md")


def test_readme_has_the_deploy_and_test_commands():
    assert "\npulumi up --stack homelab --policy-pack policies --policy-pack-config policy-config.json\n" in README
    assert "\npython -m pytest\n" in README
    ci = (PROJECT_DIR / ".ci" / "run").read_text()
    assert "\npython -m pytest\n" in ci


def _commands(prefix: str) -> list[str]:
    return [line.strip() for line in README.splitlines() if line.strip().startswith(prefix)]


def test_every_documented_up_runs_the_policy_pack_with_the_stacks_config():
    ups = _commands("pulumi up")
    assert ups and all("--policy-pack policies --policy-pack-config policy-config.json" in up for up in ups), ups


def test_the_pack_config_is_written_by_the_projects_virtualenv_and_only_on_success():
    writes = [line for line in README.splitlines() if "-m policy_pack_config" in line and "policy-config.json" in line]
    assert writes and all(
        line.startswith("venv/bin/python -m policy_pack_config ") and "--output policy-config.json" in line
        for line in writes
    ), writes
