"""Routes that do not cut off long requests: HTTPRoute timeouts and ingress-nginx's timeout and body-size annotations."""

from __future__ import annotations

import pytest
from registrations import named

from stack_config import ConfigError, parse_stack_config

INGRESS = {"exposure.kind": "ingress", "exposure.ingress": {"className": "nginx", "preservesClientAddress": True, "publishesAddress": True},
           "exposure.controllerNamespace": "ingress-nginx"}


def test_httproute_carries_each_apps_request_timeout(run_with):
    capture = run_with({"ollama.route.requestTimeout": "30m", "comfyui.route.requestTimeout": "1h"})
    assert capture.error is None
    assert named(capture, "ollama-route").inputs["spec"]["rules"][0]["timeouts"] == {"request": "30m"}
    assert named(capture, "comfyui-route").inputs["spec"]["rules"][0]["timeouts"] == {"request": "1h"}


def test_an_empty_request_timeout_leaves_the_gateways_default(run_with):
    capture = run_with({"ollama.route.requestTimeout": ""})
    assert capture.error is None
    assert "timeouts" not in named(capture, "ollama-route").inputs["spec"]["rules"][0]
    assert named(capture, "comfyui-route").inputs["spec"]["rules"][0]["timeouts"] == {"request": "10m"}


def test_ingress_carries_timeout_seconds_and_body_size_in_nginx_syntax(run_with):
    capture = run_with({**INGRESS, "ollama.route": {"requestTimeout": "1h30m", "maxUploadSize": "1500Ki"}})
    assert capture.error is None
    annotations = named(capture, "ollama-ingress").inputs["metadata"]["annotations"]
    assert annotations == {
        "nginx.ingress.kubernetes.io/whitelist-source-range": "192.168.1.0/24",
        "nginx.ingress.kubernetes.io/proxy-read-timeout": "5400",
        "nginx.ingress.kubernetes.io/proxy-send-timeout": "5400",
        "nginx.ingress.kubernetes.io/proxy-body-size": "1500k",
    }


def test_ingress_annotation_keys_follow_the_class_and_can_be_left_out(run_with):
    capture = run_with({**INGRESS, "exposure.ingress": {
        "className": "other", "readTimeoutAnnotation": "example.com/read-timeout", "sendTimeoutAnnotation": "",
        "bodySizeAnnotation": "", "preservesClientAddress": True, "publishesAddress": True}, "ollama.route.requestTimeout": ""})
    assert capture.error is None
    comfyui = named(capture, "comfyui-ingress").inputs["metadata"]["annotations"]
    ollama = named(capture, "ollama-ingress").inputs["metadata"]["annotations"]
    assert comfyui == {"nginx.ingress.kubernetes.io/whitelist-source-range": "192.168.1.0/24",
                       "example.com/read-timeout": "600"}
    assert ollama == {"nginx.ingress.kubernetes.io/whitelist-source-range": "192.168.1.0/24"}


@pytest.mark.parametrize("key, value, words", [
    ("ollama.route.requestTimeout", "10 minutes", "Gateway API duration"),
    ("ollama.route.requestTimeout", "1.5m", "Gateway API duration"),
    ("comfyui.route.requestTimeout", "1500ms", "whole seconds"),
    ("comfyui.route.requestTimeout", "0s", "at least 1s"),
    ("ollama.route.maxUploadSize", "100MB", "quantity of bytes"),
    ("comfyui.route.maxUploadSize", "0", "quantity of bytes"),
    ("ollama.route.maxUploadSize", "104857600", "with a unit"),
    ("comfyui.route.maxUploadSize", "1k", "at least 1Ki"),
    ("exposure.ingress.bodySizeAnnotation", "proxy body size", "annotation key"),
])
def test_route_settings_refuse_what_the_gateway_or_nginx_cannot_take(key, value, words):
    section, _, path = key.partition(".")
    tree: dict = {}
    node = tree
    *parents, leaf = path.split(".")
    for part in parents:
        node = node.setdefault(part, {})
    node[leaf] = value
    with pytest.raises(ConfigError) as raised:
        parse_stack_config({section: tree})
    problems = {p.key: p for p in raised.value.problems}
    assert problems[key].value == value and words in problems[key].accepted
