"""Open WebUI, the opt-in third app: a chat UI on the stack's Ollama that draws through its ComfyUI,
safe from its first start, under mocks and over the pack's protocol."""

from __future__ import annotations

import json
from typing import Any

import pytest
from google.protobuf import json_format
from network_flows import Entity, External, Pod, Policies
from open_webui_stacks import ADMIN_PASSWORD, OPEN_WEBUI_ON, OPEN_WEBUI_SECRET_KEYS, SECRET_KEY
from policy_corpus import GPU_CAPACITY, GUARDED_ROUTES, apart_from_unbacked_comfyui
from pulumi.runtime import rpc
from registrations import named, names
from tree_edits import DELETE, changed_config

from offline_preview.capture import Capture, run_program
from offline_preview.engine import PolicyEngine, Resource, struct
from offline_preview.preview import analyzer_resources
from policy_pack_config import policy_pack_config
from stack_config import ConfigError
from stack_config.stack_files import parse_stack_file_config

WEBUI = Pod("open-webui", {"app.kubernetes.io/instance": "open-webui", "app.kubernetes.io/component": "open-webui",
                           "app.kubernetes.io/name": "open-webui"})
OLLAMA = Pod("ollama", {"app.kubernetes.io/name": "ollama", "app.kubernetes.io/instance": "ollama"})
COMFYUI = Pod("comfyui", {"app.kubernetes.io/name": "comfyui", "app.kubernetes.io/part-of": "homelab-ai"})
GATEWAY = Entity("ingress")
SECRET_SIG = {rpc._special_sig_key: rpc._special_secret_sig}
ENCRYPTED = {"secure": "v1:Qm9ndXNOb25jZQ==:Y2lwaGVydGV4dA=="}


def _release(capture: Capture) -> dict[str, Any]:
    return named(capture, "openwebui-release").inputs


def _env(capture: Capture) -> dict[str, Any]:
    return {e["name"]: e.get("value", e.get("valueFrom")) for e in _release(capture)["values"]["extraEnvVars"]}


def _run(homelab_config, **changes: Any) -> Capture:
    return run_program(changed_config(homelab_config, {"openwebui": OPEN_WEBUI_ON, **changes}), secret_keys=OPEN_WEBUI_SECRET_KEYS)


def _problems(capture: Capture) -> dict[str, Any]:
    assert isinstance(capture.error, ConfigError), capture.error
    assert capture.registrations == []
    return {p.key: p for p in capture.error.problems}


def test_the_homelab_stack_registers_nothing_of_open_webui(homelab: Capture):
    assert not [r for r in homelab.registrations if "openwebui" in r.name or "open-webui" in json.dumps(r.inputs)]
    assert "openwebuiUrl" not in homelab.outputs and "openwebui" not in homelab.outputs["namespaces"]


def test_the_chart_release_is_pinned_with_no_subchart_and_no_openai_api(open_webui: Capture):
    release = _release(open_webui)
    assert (release["chart"], release["version"], release["repositoryOpts"]) == (
        "open-webui", "16.0.0", {"repo": "https://helm.openwebui.com/"})
    values = release["values"]
    assert values["ollama"] == {"enabled": False} and values["pipelines"] == {"enabled": False}
    assert values["websocket"] == {"manager": "", "redis": {"enabled": False}}
    assert values["enableOpenaiApi"] is False
    assert "openaiApiKey" not in values and "OPENAI_API_KEY" not in _env(open_webui)
    assert values["ollamaUrls"] == ["http://ollama.ollama.svc.cluster.local:11434"]
    assert (values["image"]["repository"], values["image"]["tag"]) == ("ghcr.io/open-webui/open-webui", "0.11.0")


def test_it_runs_as_a_deployment_replaced_whole_on_its_own_claim(open_webui: Capture):
    values = _release(open_webui)["values"]
    assert values["workload"] == {"kind": "Deployment"} and values["strategy"] == {"type": "Recreate"}
    assert values["persistence"] == {"enabled": True, "existingClaim": "open-webui-data"}


def test_its_data_claim_and_namespace_are_protected_and_retained(open_webui: Capture):
    claim, namespace = named(open_webui, "openwebui-data"), named(open_webui, "openwebui-namespace")
    for kept in (claim, namespace):
        assert (kept.protect, kept.retain_on_delete) == (True, True)
    assert claim.inputs["metadata"] == {"name": "open-webui-data", "namespace": "open-webui"}
    assert claim.inputs["spec"]["resources"]["requests"]["storage"] == "10Gi"
    assert namespace.inputs["metadata"]["labels"]["pod-security.kubernetes.io/enforce"] == "baseline"


def test_the_admin_comes_from_a_secret_and_the_key_is_a_persistent_secret(open_webui: Capture, homelab_config):
    env = _env(open_webui)
    assert env["WEBUI_ADMIN_EMAIL"] == "admin@madhan.app"
    for key in ("WEBUI_ADMIN_PASSWORD", "WEBUI_SECRET_KEY"):
        assert env[key] == {"secretKeyRef": {"name": "open-webui-secrets", "key": key}}
    secret = named(open_webui, "openwebui-secrets")
    # As the engine receives them: inside the secret envelope, never plain text.
    assert secret.inputs["stringData"] == {**SECRET_SIG, "value": {
        "WEBUI_ADMIN_PASSWORD": ADMIN_PASSWORD, "WEBUI_SECRET_KEY": SECRET_KEY}}
    assert ADMIN_PASSWORD not in json.dumps(json_format.MessageToDict(named(open_webui, "openwebui-release").request.object))
    # The same stack registers the same inputs again: no diff on the next `up`.
    again = _run(homelab_config)
    assert named(again, "openwebui-secrets").request.object == secret.request.object
    assert named(again, "openwebui-release").request.object == named(open_webui, "openwebui-release").request.object


def test_sign_up_is_off_and_the_stack_config_is_the_only_source_of_settings(open_webui: Capture):
    env = _env(open_webui)
    assert env["ENABLE_SIGNUP"] == "False" and env["ENABLE_PERSISTENT_CONFIG"] == "False"
    assert env["WEBUI_URL"] == "http://chat.madhan.app"
    assert "WEBUI_AUTH" not in env and "WEBUI_AUTH_TRUSTED_EMAIL_HEADER" not in env


def test_images_go_to_the_stacks_comfyui_with_a_workflow_mapped_to_its_nodes(open_webui: Capture):
    env = _env(open_webui)
    assert (env["ENABLE_IMAGE_GENERATION"], env["IMAGE_GENERATION_ENGINE"]) == ("True", "comfyui")
    assert env["COMFYUI_BASE_URL"] == "http://comfyui.comfyui.svc.cluster.local:8188"
    workflow, nodes = json.loads(env["COMFYUI_WORKFLOW"]), json.loads(env["COMFYUI_WORKFLOW_NODES"])
    mapped = {node["type"]: (node["key"], node["node_ids"]) for node in nodes}
    assert mapped["prompt"] == ("text", ["6"]) and mapped["model"] == ("ckpt_name", ["4"])
    # Every mapped input exists in the node it names, so Open WebUI writes into the graph, not beside it.
    for key, ids in mapped.values():
        for node_id in ids:
            assert key in workflow[node_id]["inputs"], (key, node_id)
    assert [n["class_type"] for n in workflow.values() if n["class_type"] == "SaveImage"] == ["SaveImage"]
    assert (env["IMAGE_GENERATION_MODEL"], env["IMAGE_SIZE"], env["IMAGE_STEPS"]) == ("sd_xl_base_1.0.safetensors", "1024x1024", "30")


def test_without_images_it_neither_calls_nor_reaches_comfyui(homelab_config):
    capture = _run(homelab_config, **{"openwebui.images.enabled": False})
    assert capture.error is None, capture.error
    assert not any(key.startswith(("COMFYUI", "IMAGE", "ENABLE_IMAGE")) for key in _env(capture))
    assert "openwebui-egress-to-comfyui" not in names(capture)
    assert not Policies(capture).allows(WEBUI, COMFYUI, 8188)
    assert Policies(capture).allows(WEBUI, OLLAMA, 11434)


def test_offline_it_downloads_nothing_from_hugging_face(homelab_config):
    capture = _run(homelab_config, **{"openwebui.offline": True})
    assert capture.error is None, capture.error
    env = _env(capture)
    assert (env["OFFLINE_MODE"], env["HF_HUB_OFFLINE"]) == ("True", "1")


@pytest.fixture(scope="module")
def flows(open_webui: Capture) -> Policies:
    return Policies(open_webui)


@pytest.mark.parametrize("source, destination, port", [
    (WEBUI, OLLAMA, 11434),
    (WEBUI, COMFYUI, 8188),
    (GATEWAY, WEBUI, 8080),
], ids=["webui-to-ollama", "webui-to-comfyui", "gateway-to-webui"])
def test_the_flows_it_needs_are_allowed(flows: Policies, source, destination, port):
    assert flows.allows(source, destination, port)


@pytest.mark.parametrize("source, destination, port", [
    (WEBUI, OLLAMA, 22),
    (WEBUI, COMFYUI, 22),
    (WEBUI, Pod("kube-system", {"k8s-app": "metrics-server"}), 443),
    (WEBUI, Pod("longhorn-system", {"app": "longhorn-manager"}), 9500),
    (WEBUI, External("10.96.0.1"), 443),
    (WEBUI, External("169.254.169.254"), 80),
    (WEBUI, External("192.168.1.20"), 22),
    (OLLAMA, WEBUI, 8080),
    (COMFYUI, WEBUI, 8080),
    (Pod("default", {"app": "anything"}), WEBUI, 8080),
    (Pod("default", {"app": "anything"}), OLLAMA, 11434),
    (GATEWAY, WEBUI, 22),
], ids=["ollama-other-port", "comfyui-other-port", "kube-system", "longhorn", "api-server", "metadata", "lan",
        "ollama-to-webui", "comfyui-to-webui", "other-namespace-to-webui", "other-namespace-to-ollama", "gateway-other-port"])
def test_everything_else_is_denied(flows: Policies, source, destination, port):
    assert not flows.allows(source, destination, port)


def test_it_reaches_the_public_internet_for_models_and_tools(flows: Policies):
    assert flows.allows(WEBUI, External("104.21.75.227"), 443)


def _diagnostics(engine: PolicyEngine, resources: list[Resource]) -> list[Any]:
    return [d for r in resources for d in engine.analyze_resource(r)] + engine.analyze_stack(resources)


def test_the_pack_passes_the_stack_and_counts_no_gpu_for_it(engine: PolicyEngine, open_webui: Capture, homelab_config):
    # The stack file as `pulumi config set --secret --path` leaves it: the pack's config is written without the CLI.
    config = parse_stack_file_config(changed_config(homelab_config, {"openwebui": {
        **OPEN_WEBUI_ON, "adminPassword": ENCRYPTED, "secretKey": ENCRYPTED}}))
    engine.configure(policy_pack_config(config))
    assert apart_from_unbacked_comfyui(_diagnostics(engine, analyzer_resources(open_webui))) == []
    # Two time-slices, both held by Ollama and ComfyUI: a third GPU holder would not fit.
    assert config.gpu.capacity == 2
    assert [r for r in _release(open_webui)["values"] if "gpu" in r.lower()] == []
    engine.configure({**policy_pack_config(config), GPU_CAPACITY: {"gpus": 1, "replicasPerGpu": 1}})
    (over,) = [d for d in engine.analyze_stack(analyzer_resources(open_webui)) if d.policy == GPU_CAPACITY]
    # Exactly the two GPU apps' pods are counted; Open WebUI's release is not among them.
    assert "the stack asks for 2 GPU(s)" in over.message and "the cluster has 1 " in over.message
    assert "ollama-release" in over.message and "comfyui-deployment" in over.message
    assert "openwebui" not in over.message and "open-webui" not in over.message


def _route_with_login(engine: PolicyEngine, capture: Capture, **env: str) -> list[Any]:
    resources = []
    for resource in analyzer_resources(capture):
        if resource.name == "openwebui-release":
            props = json_format.MessageToDict(struct(resource.properties))
            props["values"]["extraEnvVars"] = [
                e for e in props["values"]["extraEnvVars"] if e["name"] not in env] + [{"name": k, "value": v} for k, v in env.items()]
            resource = Resource(resource.type, resource.name, props, resource.urn, resource.protect, resource.parent)
        resources.append(resource)
    return [d for d in engine.analyze_stack(resources) if d.policy == GUARDED_ROUTES]


def test_a_route_resting_on_the_apps_login_passes_while_that_login_keeps_strangers_out(engine, homelab_config):
    capture = _run(homelab_config, **{"openwebui.access": {}})
    assert capture.error is None, capture.error
    assert named(capture, "openwebui-route").inputs["metadata"]["annotations"]["homelab-ai/access"] == "app-login"
    assert _route_with_login(engine, capture) == []


@pytest.mark.parametrize("env, why", [
    ({"ENABLE_SIGNUP": "True"}, "lets anyone sign up"),
    ({"WEBUI_ADMIN_EMAIL": ""}, "the first visitor to sign up becomes admin"),
    ({"WEBUI_AUTH": "False"}, "no login at all"),
    ({"WEBUI_AUTH_TRUSTED_EMAIL_HEADER": "X-Email"}, "trusted header"),
], ids=["open-sign-up", "no-admin", "no-auth", "trusted-header"])
def test_the_pack_flags_a_route_resting_on_a_login_that_lets_strangers_in(engine, homelab_config, env, why):
    capture = _run(homelab_config, **{"openwebui.access": {}})
    (diagnostic,) = _route_with_login(engine, capture, **env)
    assert diagnostic.level == "advisory" and diagnostic.urn.endswith("::openwebui-route")
    assert "namespace 'open-webui', which runs Open WebUI" in diagnostic.message and why in diagnostic.message


@pytest.mark.parametrize("change, key, expected", [
    ({"openwebui.adminEmail": DELETE}, "openwebui.adminEmail", "required while openwebui.installed is true"),
    ({"openwebui.adminPassword": DELETE}, "openwebui.adminPassword", "required while openwebui.installed is true"),
    ({"openwebui.secretKey": DELETE}, "openwebui.secretKey", "every restart signs everyone out"),
    ({"openwebui.adminPassword": "short"}, "openwebui.adminPassword", "at least 15 characters and at most 72 bytes"),
    ({"openwebui.adminPassword": "ä" * 40}, "openwebui.adminPassword", "at most 72 bytes"),
    ({"openwebui.secretKey": "abc"}, "openwebui.secretKey", "at least 32 characters"),
    ({"openwebui.adminEmail": "admin"}, "openwebui.adminEmail", "an email address"),
    ({"openwebui.gpus": 1}, "openwebui.gpus", "a whole number from 0 to 0"),
    ({"comfyui.installed": False, "openwebui.images.enabled": True}, "openwebui.images.enabled",
     "false while comfyui.installed is false"),
    ({"ollama.installed": False}, "ollama.installed", "Open WebUI chats through the stack's Ollama"),
    ({"openwebui.trustedEmailHeader": "X-Forwarded-Email"}, "openwebui.trustedEmailHeader",
     "no value without openwebui.access.forwardAuthUrl"),
    ({"openwebui.access": {"forwardAuthUrl": "http://auth.example.com/verify", "clientNamespaces": ["tools"]},
      "openwebui.trustedEmailHeader": "X-Forwarded-Email", "exposure.gateway.enforcesAccess": True},
     "openwebui.access.clientNamespaces", "can send the header itself"),
    ({"openwebui.enableSignup": True, "openwebui.access": {}}, "openwebui.access",
     "openwebui lets anyone who reaches it make an account (enableSignup)"),
], ids=["no-email", "no-password", "no-key", "short-password", "long-password", "short-key", "bad-email", "gpu",
        "images-without-comfyui", "without-ollama", "header-without-proxy", "header-with-clients", "open-sign-up-exposed"])
def test_bad_open_webui_config_is_refused_naming_the_key(homelab_config, change, key, expected):
    problems = _problems(_run(homelab_config, **change))
    assert key in problems, problems
    assert expected in problems[key].accepted


def test_a_password_or_key_in_plain_text_is_refused_without_showing_it(homelab_config):
    capture = run_program(changed_config(homelab_config, {"openwebui": OPEN_WEBUI_ON}))
    problems = _problems(capture)
    assert {"openwebui.adminPassword", "openwebui.secretKey"} <= problems.keys()
    assert "pulumi config set --secret --path openwebui.adminPassword" in problems["openwebui.adminPassword"].accepted
    assert ADMIN_PASSWORD not in str(capture.error) and SECRET_KEY not in str(capture.error)


def test_a_secret_sections_bad_value_is_not_shown(homelab_config):
    capture = _run(homelab_config, **{"openwebui.adminPassword": "too short"})
    problems = _problems(capture)
    assert problems["openwebui.adminPassword"].value == "[secret]"
    assert "too short" not in str(capture.error)


def test_its_pods_get_no_api_token_and_no_privileges_at_the_namespaces_baseline(open_webui: Capture):
    values = _release(open_webui)["values"]
    # The chart writes containerSecurityContext on both the app and its copy-app-data init container,
    # and its ServiceAccount mounts no token by default (templates/workload-manager.yaml at 16.0.0).
    assert values["containerSecurityContext"] == {"allowPrivilegeEscalation": False, "capabilities": {"drop": ["ALL"]}}
    assert values["podSecurityContext"] == {"seccompProfile": {"type": "RuntimeDefault"}}
    assert "serviceAccount" not in values
    for probe, path in (("startupProbe", "/health"), ("livenessProbe", "/health"), ("readinessProbe", "/ready")):
        assert values[probe]["httpGet"] == {"path": path, "port": "http"}


def test_a_stack_file_read_without_the_cli_takes_its_encrypted_values_as_secrets(homelab_config):
    config = parse_stack_file_config(changed_config(homelab_config, {"openwebui": {
        **OPEN_WEBUI_ON, "adminPassword": ENCRYPTED, "secretKey": ENCRYPTED}}))
    # The text is only the CLI's to decrypt: a placeholder stands for it, and nothing refuses it as plain text.
    assert (config.openwebui.admin_password, config.openwebui.secret_key) == ("[secret]", "[secret]")
    assert config.openwebui.admin_email == "admin@madhan.app"
    with pytest.raises(ConfigError) as refused:
        parse_stack_file_config(changed_config(homelab_config, {"openwebui": {**OPEN_WEBUI_ON, "adminPasword": ENCRYPTED}}))
    assert "openwebui.adminPasword" in str(refused.value)
