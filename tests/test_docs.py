"""The docs stay true to the program: the generated key reference, Pulumi.yaml, the README's commands."""

from __future__ import annotations

import re

import pytest
import yaml

from gpu_policies import reference as policy_table
from gpu_policies.names import GPU_CAPACITY
from gpu_policies.pack import POLICIES
from stack_config import FIELDS, SECTIONS
from stack_config.reference import REFERENCE, render
from stack_config.reference import main as reference_main
from stack_config.stack_files import PROJECT_DIR

README = (PROJECT_DIR / "README.md").read_text()
PULUMI_YAML = (PROJECT_DIR / "Pulumi.yaml").read_text()


def test_configuration_reference_is_generated_from_the_programs_table():
    assert REFERENCE.read_text() == render(), "docs/configuration.md is stale: run python -m stack_config.reference"


def test_reference_check_fails_on_a_stale_file_and_passes_on_a_current_one(tmp_path, capsys):
    stale = tmp_path / "configuration.md"
    stale.write_text(render().replace("`gpu.count` | `1`", "`gpu.count` | `2`"))
    assert reference_main(["--check"], stale) == 1
    assert "stale" in capsys.readouterr().err
    assert reference_main([], stale) == 0
    assert reference_main(["--check"], stale) == 0


def _reference_rows() -> dict[str, tuple[str, str]]:
    rows = {}
    for match in re.finditer(r"^\| `([a-z]+\.[A-Za-z.]+)` \| `(.*?)` \| (.+?) \|$", render(), re.MULTILINE):
        rows[match.group(1)] = (match.group(2), match.group(3))
    return rows


def test_reference_lists_every_key_once_under_its_sections_heading():
    text = render()
    assert sorted(_reference_rows()) == sorted(f.key for f in FIELDS)
    assert re.findall(r"^## `homelab-ai:([a-z]+)`$", text, re.MULTILINE) == list(SECTIONS)
    assert re.findall(r"^#+ ", text, re.MULTILINE) == ["# "] + ["## "] * len(SECTIONS)
    for section, body in zip(SECTIONS, text.split("\n## ")[1:], strict=True):
        assert {key.split(".")[0] for key in re.findall(r"^\| `([a-z]+\.[A-Za-z.]+)`", body, re.MULTILINE)} == {section}


@pytest.mark.parametrize(("key", "shown"), [
    ("gpu.createRuntimeClass", "true"),
    ("gpu.metrics.enabled", "false"),
    ("gpu.nodeSelector", "{nvidia.com/gpu.present: 'true'}"),
    ("exposure.controller.podLabels", "{}"),
    ("ollama.models.pull", "[]"),
    ("ollama.port", "11434"),
    ("gpu.driver", "''"),
    ("ollama.chart.version", "1.41.0"),
])
def test_reference_prints_defaults_as_yaml_writes_them(key, shown):
    assert _reference_rows()[key][0] == shown
    (field,) = [f for f in FIELDS if f.key == key]
    assert yaml.safe_load(shown) == field.default


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


POLICIES_DOC = PROJECT_DIR / "docs" / "policies.md"


def test_policy_table_is_generated_from_the_pack():
    text = POLICIES_DOC.read_text()
    assert policy_table.with_table(text) == text, "docs/policies.md is stale: run python -m gpu_policies.reference docs/policies.md"


def test_policy_table_has_one_row_per_policy_with_its_level_and_option_defaults():
    rows = [line for line in policy_table.render().splitlines() if line.startswith("| `")]
    assert [row.split("`")[1] for row in rows] == [policy.name for policy in POLICIES]
    capacity = next(row for row in rows if row.startswith(f"| `{GPU_CAPACITY}`"))
    assert "| stack | mandatory | high |" in capacity and "`gpus`: `1`<br>`replicasPerGpu`: `1`" in capacity


def test_policy_table_check_fails_on_a_stale_table_and_passes_once_rewritten(tmp_path, capsys):
    stale = tmp_path / "policies.md"
    stale.write_text(POLICIES_DOC.read_text().replace("| stack | mandatory |", "| stack | advisory |"))
    assert policy_table.main([str(stale), "--check"]) == 1
    assert "stale" in capsys.readouterr().err
    assert policy_table.main([str(stale)]) == 0
    assert policy_table.main([str(stale), "--check"]) == 0
    assert stale.read_text() == POLICIES_DOC.read_text()


ARCHITECTURE = (PROJECT_DIR / "docs" / "architecture.md").read_text()


def test_architecture_map_names_only_files_and_modules_that_exist():
    named = set(re.findall(r"`([\w/.]+\.(?:py|md|yaml))`", ARCHITECTURE))
    places = [PROJECT_DIR, PROJECT_DIR / "stack_config", PROJECT_DIR / "components", PROJECT_DIR / "policies",
              PROJECT_DIR / "docs", PROJECT_DIR / "policies" / "gpu_policies"]
    missing = [path for path in named if not any((place / path).exists() for place in places)]
    assert named and missing == []


def test_architecture_map_lists_every_config_and_pack_module_in_its_floors():
    floors = ARCHITECTURE.split("## Where each change goes")[0]
    config_modules = {p.stem for p in (PROJECT_DIR / "stack_config").glob("*.py")} - {"__init__", "reference"}
    pack_modules = {p.stem for p in (PROJECT_DIR / "policies" / "gpu_policies").glob("*.py")} - {"__init__", "reference"}
    assert [m for m in sorted(config_modules | pack_modules) if f"`{m}`" not in floors] == []


DOCS = {path.name: path.read_text() for path in (PROJECT_DIR / "docs").glob("*.md")}
KEYS = {field.key for field in FIELDS}


def _names_a_key(written: str) -> bool:
    key = re.sub(r"\[\d+\]", "", written)
    return key in KEYS or any(k.startswith(f"{key}.") for k in KEYS)


def test_every_documented_config_set_names_a_key_the_program_reads():
    commands = re.findall(r"pulumi config set (?:--secret )?--path '?([A-Za-z][\w.\[\]]*)'?", README + "".join(DOCS.values()))
    assert commands and [key for key in commands if not _names_a_key(key)] == []


def test_the_open_webui_page_names_only_keys_the_program_reads():
    written = set(re.findall(r"`(openwebui\.[A-Za-z.]+)`", DOCS["open-webui.md"]))
    assert written and sorted(key for key in written if not _names_a_key(key)) == []


def test_smoke_docs_list_every_output_the_program_exports(homelab, open_webui, run_with):
    table = DOCS["smoke.md"].split("## The stack's outputs", 1)[1]
    listed = {name for row in table.splitlines() if row.startswith("| `")
              for name in re.findall(r"`(\w+)`", row.split("|")[1])}
    planned = run_with({"ollama.vram.budget": "9.5Gi", "comfyui.vram.budget": "5.5Gi"})
    assert listed == set(homelab.outputs) | set(open_webui.outputs) | set(planned.outputs)
