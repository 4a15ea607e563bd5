"""Pulumi.yaml's declared sections reach the program as the CLI merges them into a stack's config."""

from __future__ import annotations

import json

from offline_preview.capture import language_host_config, run_program
from stack_config import SECTIONS
from stack_config.stack_files import project_config_defaults, stack_file_config


def test_a_stack_file_without_a_section_gets_the_declared_empty_object(tmp_path):
    (tmp_path / "Pulumi.bare.yaml").write_text("config:\n  homelab-ai:ollama:\n    replicas: 0\n")
    config = stack_file_config("bare", tmp_path)
    assert config == {"homelab-ai:gpu": {}, "homelab-ai:exposure": {}, "homelab-ai:ollama": {"replicas": 0},
                      "homelab-ai:comfyui": {}, "homelab-ai:openwebui": {}, "homelab-ai:backups": {}}
    # An object default reaches the language host as JSON text, like any object value.
    assert language_host_config(config)["homelab-ai:gpu"] == "{}"


def test_the_stack_files_values_win_over_the_projects_defaults(homelab_config):
    assert project_config_defaults() == {f"homelab-ai:{section}": {} for section in SECTIONS}
    assert all(homelab_config[f"homelab-ai:{section}"] for section in SECTIONS)


def test_the_short_form_and_other_namespaces_are_read_as_the_cli_reads_them(tmp_path):
    project = tmp_path / "Pulumi.yaml"
    project.write_text(json.dumps({
        "name": "homelab-ai", "runtime": "python",
        "config": {"plain": "text", "kubernetes:context": {"value": "lab"}, "typed": {"type": "string"}},
    }))
    assert project_config_defaults(project) == {"homelab-ai:plain": "text", "kubernetes:context": "lab"}


def test_the_program_runs_on_empty_sections_with_every_default(tmp_path):
    (tmp_path / "Pulumi.empty.yaml").write_text("config: {}\n")
    capture = run_program(stack_file_config("empty", tmp_path), stack="empty")
    assert capture.error is None, capture.error
    # Nothing is exposed unless the stack says so.
    assert "ollamaUrl" not in capture.outputs and "comfyuiUrl" not in capture.outputs
    assert capture.outputs["ollamaInternalUrl"] == "http://ollama.ollama.svc.cluster.local:11434"
