"""Config set the way users set it: `pulumi config set` commands, typed as the CLI types them."""

from __future__ import annotations

import re
import shlex

import pytest
from cli_config import cli_typed, config_rm, config_set
from registrations import named
from tree_edits import changed_config

from offline_preview.capture import Capture, run_program
from stack_config import FIELDS, ConfigError, Field, Problem, StackConfig, parse_stack_config
from stack_config.stack_files import PROJECT_DIR, parse_stack_file_config

README = (PROJECT_DIR / "README.md").read_text()


def _problems(capture: Capture) -> dict[str, Problem]:
    assert isinstance(capture.error, ConfigError), capture.error
    assert capture.registrations == []
    return {p.key: p for p in capture.error.problems}


@pytest.mark.parametrize("text, typed", [
    ("true", True), ("false", False), ("0", 0), ("-1", -1), ("8080", 8080), ("+3", 3),
    ("0755", "0755"), ("1.5", "1.5"), ("5m", "5m"), ("True", "True"), ("99999999999999999999", "99999999999999999999"),
])
def test_the_cli_types_path_values_like_adjust_object_value(text, typed):
    assert cli_typed(text) == typed and type(cli_typed(text)) is type(typed)
    assert cli_typed(text, "string") == text


def _ollama_env(capture: Capture) -> dict[str, str]:
    assert capture.error is None, capture.error
    return {e["name"]: e["value"] for e in named(capture, "ollama-release").inputs["values"]["extraEnv"]}


@pytest.mark.parametrize("text", ["0", "-1", "30s"])
def test_keep_alive_set_from_the_cli_reaches_ollama_as_written(homelab_config, text):
    config = config_set(homelab_config, "ollama.keepAlive", text, path=True)
    assert _ollama_env(run_program(config))["OLLAMA_KEEP_ALIVE"] == text


def test_a_node_label_value_true_from_the_cli_is_the_label_value_true(homelab_config):
    config = config_set(homelab_config, 'gpu.nodeSelector["nvidia.com/gpu.present"]', "true", path=True)
    assert config["homelab-ai:gpu"]["nodeSelector"]["nvidia.com/gpu.present"] is True
    capture = run_program(config)
    assert capture.error is None, capture.error
    pod = named(capture, "comfyui-deployment").inputs["spec"]["template"]["spec"]
    assert pod["nodeSelector"] == {"nvidia.com/gpu.present": "true"}


def test_numbers_from_the_cli_are_numbers_to_the_program(homelab_config):
    config = config_set(homelab_config, "comfyui.port", "8189", path=True)
    config = config_set(config, "ollama.image.tag", "20260101", path=True)
    capture = run_program(config)
    assert capture.error is None, capture.error
    assert named(capture, "comfyui-service").inputs["spec"]["ports"][0]["port"] == 8189
    assert named(capture, "ollama-release").inputs["values"]["image"]["tag"] == "20260101"


def test_a_port_stored_as_text_is_refused_naming_the_cli_command_that_stores_a_number(homelab_config):
    capture = run_program(config_set(homelab_config, "ollama.port", "8080", path=True, type_="string"))
    problem = _problems(capture)["ollama.port"]
    assert problem.value == "8080" and "written without quotes" in problem.accepted


def test_a_value_yaml_reads_as_a_fraction_is_refused_naming_the_text_fix(homelab_config):
    config = changed_config(homelab_config, {"ollama.image.tag": 0.10})  # `tag: 0.10` in the stack file
    problem = _problems(run_program(config))["ollama.image.tag"]
    assert problem.value == 0.1 and "pulumi config set --path --type string" in problem.accepted


def test_a_key_set_without_path_is_refused_with_the_path_command(homelab_config):
    capture = run_program(config_set(homelab_config, "ollama.replicas", "0"))
    problem = _problems(capture)["ollama.replicas"]
    assert problem.value == "0"
    assert "Did you mean `pulumi config set --path ollama.replicas 0`?" in problem.accepted
    assert "homelab-ai:ollama.replicas = \"0\"" in str(capture.error)


def test_a_misspelt_section_is_refused_naming_the_section(homelab_config):
    config = dict(homelab_config, **{"homelab-ai:ollma": {"replicas": 0}})
    problem = _problems(run_program(config))["ollma"]
    assert problem.value == {"replicas": 0} and "did you mean homelab-ai:ollama?" in problem.accepted


def test_a_misspelt_section_set_without_path_names_the_section_and_path(homelab_config):
    problem = _problems(run_program(config_set(homelab_config, "comfyu.replicas", "2")))["comfyu.replicas"]
    assert "`pulumi config set --path comfyui.replicas 2`" in problem.accepted


def test_a_dotted_key_inside_a_section_is_refused_saying_what_to_write(homelab_config):
    config = config_set(homelab_config, 'ollama["storage.size"]', "200Gi", path=True)
    assert config["homelab-ai:ollama"]["storage.size"] == "200Gi"
    problem = _problems(run_program(config))['ollama["storage.size"]']
    assert problem.value == "200Gi"
    assert "not one key with dots in its name" in problem.accepted
    assert "\n  storage:\n    size: \"200Gi\"" in problem.accepted
    assert "`pulumi config set --path ollama.storage.size <value>`" in problem.accepted


def test_a_misspelt_key_inside_a_section_names_the_closest_key(homelab_config):
    problem = _problems(run_program(config_set(homelab_config, "ollama.keepalive", "5m", path=True)))["ollama.keepalive"]
    assert "did you mean ollama.keepAlive?" in problem.accepted


def test_other_namespaces_keys_are_not_the_programs(homelab_config):
    config = config_set(homelab_config, "context", "admin@homelab", project="kubernetes")
    assert run_program(config).error is None


def _readme_commands() -> list[list[str]]:
    return [shlex.split(line.split("#")[0]) for line in re.findall(r"^pulumi config (?:set|rm) .*$", README, re.M)]


def test_the_readmes_config_commands_do_what_it_says(homelab_config):
    commands = _readme_commands()
    assert len(commands) >= 5
    config = homelab_config
    for command in commands:
        verb, flags, args = command[2], [a for a in command[3:] if a.startswith("--")], [a for a in command[3:] if not a.startswith("--")]
        assert flags == ["--path"], command
        config = config_set(config, args[0], args[1], path=True) if verb == "set" else config_rm(config, args[0])
    # The GPU ends exclusive, with Ollama holding it and ComfyUI stopped; nothing was lost on the way.
    parsed = parse_stack_file_config(config)
    assert parsed.gpu.sharing_strategy == "exclusive" and parsed.gpu.capacity == 1
    assert parsed.ollama.gpu_demand == 1 and parsed.comfyui.gpu_demand == 0


def test_the_readmes_one_field_example_sets_one_field(homelab_config):
    (line,) = re.findall(r"Set one field with `(pulumi config set [^`]*)`", README)
    _, _, _, flag, key, text = shlex.split(line)
    parsed = parse_stack_file_config(config_set(homelab_config, key, text, path=flag == "--path"))
    assert parsed.ollama.replicas == 0 and parsed.ollama.gpu_demand == 0


def test_a_secret_keys_value_stays_out_of_the_error(homelab_config):
    config = config_set(homelab_config, "ollama.replicas", "s3cr3t-token")
    config = config_set(config, "comfyui.access.forwardAuthUrl", "ftp://user:s3cr3t@auth", path=True)
    capture = run_program(config, secret_keys=["homelab-ai:ollama.replicas", "homelab-ai:comfyui"])
    problems = _problems(capture)
    assert set(problems) == {"ollama.replicas", "comfyui.access.forwardAuthUrl"}
    assert "s3cr3t" not in str(capture.error)
    assert problems["comfyui.access.forwardAuthUrl"].value == "[secret]"
    assert "`pulumi config set --path ollama.replicas <value>`" in problems["ollama.replicas"].accepted


def _attribute(config: StackConfig, field: Field) -> object:
    node: object = getattr(config, field.section)
    for name in field.attribute.split("."):
        node = getattr(node, name)
    return node


SCALAR_FIELDS = [f for f in FIELDS if not isinstance(f.default, (dict, list))]


@pytest.mark.parametrize("field", SCALAR_FIELDS, ids=lambda f: f.key)
def test_every_scalar_key_set_from_the_cli_to_its_default_text_reads_as_the_default(field):
    text = str(field.default).lower() if isinstance(field.default, bool) else str(field.default)
    config = config_set({}, field.key, text, path=True)
    parsed = parse_stack_file_config(config)
    assert _attribute(parsed, field) == _attribute(parse_stack_config({}), field)
