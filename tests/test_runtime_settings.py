"""Ollama's server settings (`ollama.env`) and ComfyUI's flags (`comfyui.extraArgs`): checked against
what the pinned versions read, and registered where the apps read them."""

from __future__ import annotations

import json
from typing import Any

import pytest
from registrations import named

from offline_preview.capture import Capture
from stack_config import ConfigError, parse_stack_config


def _problems(sections: dict[str, dict[str, Any]]) -> dict[str, str]:
    """key -> what is accepted, for a config of just these sections."""
    with pytest.raises(ConfigError) as raised:
        parse_stack_config(sections)
    return {p.key: p.accepted for p in raised.value.problems}


def _extra_env(capture: Capture) -> list[dict[str, str]]:
    assert capture.error is None, capture.error
    return named(capture, "ollama-release").inputs["values"]["extraEnv"]


def _cli_args(capture: Capture) -> str:
    assert capture.error is None, capture.error
    container = named(capture, "comfyui-deployment").inputs["spec"]["template"]["spec"]["containers"][0]
    (cli_args,) = [env["value"] for env in container["env"] if env["name"] == "CLI_ARGS"]
    return cli_args


# --- ollama.env ---


def test_ollama_settings_reach_the_charts_extra_env_as_strings_in_name_order(run_with):
    # As `pulumi config set --path` stores them: booleans and integers typed, the rest strings.
    capture = run_with({"ollama.env": {
        "OLLAMA_NUM_PARALLEL": 2,
        "OLLAMA_KV_CACHE_TYPE": "q8_0",
        "OLLAMA_FLASH_ATTENTION": True,
        "OLLAMA_CONTEXT_LENGTH": "8192",
        "OLLAMA_GPU_OVERHEAD": 536870912,
        "OLLAMA_LOAD_TIMEOUT": "10m",
        "OLLAMA_MAX_LOADED_MODELS": 1,
        "OLLAMA_MAX_QUEUE": 64,
    }})
    assert _extra_env(capture) == [
        {"name": "NVIDIA_VISIBLE_DEVICES", "value": "all"},
        {"name": "OLLAMA_KEEP_ALIVE", "value": "1m"},
        {"name": "OLLAMA_CONTEXT_LENGTH", "value": "8192"},
        {"name": "OLLAMA_FLASH_ATTENTION", "value": "true"},
        {"name": "OLLAMA_GPU_OVERHEAD", "value": "536870912"},
        {"name": "OLLAMA_KV_CACHE_TYPE", "value": "q8_0"},
        {"name": "OLLAMA_LOAD_TIMEOUT", "value": "10m"},
        {"name": "OLLAMA_MAX_LOADED_MODELS", "value": "1"},
        {"name": "OLLAMA_MAX_QUEUE", "value": "64"},
        {"name": "OLLAMA_NUM_PARALLEL", "value": "2"},
    ]


def test_go_bool_spellings_render_as_true_or_false(run_with):
    capture = run_with({"ollama.env": {"OLLAMA_FLASH_ATTENTION": "0"}})
    assert {"name": "OLLAMA_FLASH_ATTENTION", "value": "false"} in _extra_env(capture)


@pytest.mark.parametrize("env, words", [
    ({"OLLAMA_DEBUG": "1"}, "'OLLAMA_DEBUG' is not one of OLLAMA_FLASH_ATTENTION"),
    ({"OLLAMA_KEEP_ALIVE": "30s"}, "set it with ollama.keepAlive"),
    ({"OLLAMA_HOST": "0.0.0.0:11434"}, "the chart sets it"),
    ({"OLLAMA_KV_CACHE_TYPE": "q5_1", "OLLAMA_FLASH_ATTENTION": True}, "OLLAMA_KV_CACHE_TYPE: one of f16, q8_0, q4_0"),
    ({"OLLAMA_FLASH_ATTENTION": "yes"}, "OLLAMA_FLASH_ATTENTION: true or false"),
    ({"OLLAMA_NUM_PARALLEL": 0}, "OLLAMA_NUM_PARALLEL: a whole number of at least 1"),
    ({"OLLAMA_CONTEXT_LENGTH": -1}, "OLLAMA_CONTEXT_LENGTH: a whole number of at least 0"),
    ({"OLLAMA_CONTEXT_LENGTH": 4096.5}, "OLLAMA_CONTEXT_LENGTH: a whole number"),
    ({"OLLAMA_MAX_QUEUE": True}, "OLLAMA_MAX_QUEUE: a whole number"),
    ({"OLLAMA_GPU_OVERHEAD": "1Gi"}, "OLLAMA_GPU_OVERHEAD: a whole number"),
    ({"OLLAMA_LOAD_TIMEOUT": "5 minutes"}, "OLLAMA_LOAD_TIMEOUT: a Go duration"),
    ({"OLLAMA_KV_CACHE_TYPE": "q8_0"}, "OLLAMA_FLASH_ATTENTION: true alongside OLLAMA_KV_CACHE_TYPE q8_0"),
    ({"OLLAMA_KV_CACHE_TYPE": "q4_0", "OLLAMA_FLASH_ATTENTION": False}, "OLLAMA_FLASH_ATTENTION: true alongside"),
    (["OLLAMA_NUM_PARALLEL=2"], "a map of Ollama settings"),
], ids=lambda case: json.dumps(case)[:40])
def test_ollama_env_refuses_what_ollama_would_ignore(env, words):
    assert words in _problems({"ollama": {"env": env}})["ollama.env"]


def test_quantized_kv_cache_with_flash_attention_is_accepted():
    config = parse_stack_config({"ollama": {"env": {"OLLAMA_KV_CACHE_TYPE": "q4_0", "OLLAMA_FLASH_ATTENTION": "1"}}})
    assert config.ollama.env == {"OLLAMA_FLASH_ATTENTION": "true", "OLLAMA_KV_CACHE_TYPE": "q4_0"}


# --- comfyui.extraArgs ---


def test_comfyui_flags_follow_listen_and_port_in_cli_args(run_with):
    capture = run_with({"comfyui.extraArgs": [
        "--reserve-vram", 4, "--preview-method", "taesd", "--use-pytorch-cross-attention", "--fast", "fp16_accumulation",
        "--async-offload", "--lowvram",
    ]})
    assert _cli_args(capture) == (
        "--listen 0.0.0.0 --port 8188 --reserve-vram 4 --preview-method taesd --use-pytorch-cross-attention "
        "--fast fp16_accumulation --async-offload --lowvram"
    )


@pytest.mark.parametrize("args, words", [
    (["--listen", "127.0.0.1"], "'--listen' (the program sets --listen 0.0.0.0)"),
    (["--port", 9000], "'--port' (the program sets --port from comfyui.port)"),
    (["--cpu"], "compute on the CPU"),
    (["--normalvram"], "ComfyUI 0.38 removed it"),
    (["--output-directory", "/tmp"], "'--output-directory' is not an accepted flag"),
    (["--reserve-vram"], "--reserve-vram FLOAT: a value after --reserve-vram"),
    (["--reserve-vram", "-1"], "--reserve-vram FLOAT: '-1' is not accepted"),
    (["--reserve-vram", "lots"], "--reserve-vram FLOAT: 'lots' is not accepted"),
    (["--cache-lru", 2.5], "--cache-lru INT: 2.5 is not accepted"),
    (["--preview-method", "fast"], "--preview-method {none,auto,latent2rgb,taesd}: 'fast' is not accepted"),
    (["--fast", "turbo"], "'turbo' is not accepted"),
    (["--lowvram", "--highvram"], "at most one of --lowvram and --highvram"),
    (["--use-sage-attention", "--use-flash-attention"], "at most one of --use-sage-attention and --use-flash-attention"),
    (["--disable-xformers", "--disable-xformers"], "--disable-xformers once"),
    # One token a flag, the next its value: a value cannot smuggle in a second flag through the shell's word splitting.
    (["--verbose", "INFO --listen 127.0.0.1"], "'INFO --listen 127.0.0.1' is not accepted"),
    (["--lowvram", "4"], "'4' is not an accepted flag"),
    ("--lowvram", "a list of ComfyUI flags"),
], ids=lambda case: json.dumps(case)[:40])
def test_comfyui_args_refuse_what_comfyui_would_refuse_or_the_program_owns(args, words):
    assert words in _problems({"comfyui": {"extraArgs": args}})["comfyui.extraArgs"]


def test_an_unknown_flag_is_answered_with_the_accepted_list():
    accepted = _problems({"comfyui": {"extraArgs": ["--turbo"]}})["comfyui.extraArgs"]
    for usage in ("--reserve-vram FLOAT", "--lowvram", "--disable-xformers", "--max-upload-size FLOAT",
                  "--preview-method {none,auto,latent2rgb,taesd}", "--cache-lru INT", "--fast [{"):
        assert usage in accepted


# --- ComfyUI's upload size and the route's ---


def test_comfyui_upload_size_from_its_flag_reaches_the_ingress_body_size(run_with):
    capture = run_with({"exposure.kind": "ingress", "exposure.ingress": {"className": "nginx", "preservesClientAddress": True},
                        "exposure.controllerNamespace": "ingress-nginx", "comfyui.extraArgs": ["--max-upload-size", 512]})
    assert _cli_args(capture) == "--listen 0.0.0.0 --port 8188 --max-upload-size 512"
    annotations = named(capture, "comfyui-ingress").inputs["metadata"]["annotations"]
    assert annotations["nginx.ingress.kubernetes.io/proxy-body-size"] == "512m"


def test_comfyui_upload_size_from_the_route_reaches_comfyuis_flag(run_with):
    capture = run_with({"comfyui.route.maxUploadSize": "1Gi"})
    assert _cli_args(capture) == "--listen 0.0.0.0 --port 8188 --max-upload-size 1024"


def test_matching_route_and_flag_sizes_are_accepted(run_with):
    capture = run_with({"comfyui.route.maxUploadSize": "256Mi", "comfyui.extraArgs": ["--max-upload-size", "256"]})
    assert _cli_args(capture) == "--listen 0.0.0.0 --port 8188 --max-upload-size 256"


def test_route_and_flag_sizes_that_disagree_are_refused(run_with):
    capture = run_with({"comfyui.route.maxUploadSize": "100Mi", "comfyui.extraArgs": ["--max-upload-size", 200]})
    assert isinstance(capture.error, ConfigError)
    assert capture.registrations == []
    (problem,) = capture.error.problems
    assert (problem.key, problem.value) == ("comfyui.route.maxUploadSize", "100Mi")
    assert "--max-upload-size 200" in problem.accepted and "200Mi" in problem.accepted
