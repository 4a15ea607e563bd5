"""OpenWebUIApp: the official `open-webui` chart, chatting through the stack's Ollama and drawing
through its ComfyUI, with an admin from the stack's secrets before it serves anyone."""

from __future__ import annotations

import json
from typing import Any, Mapping, Optional

import pulumi
import pulumi_kubernetes as k8s

from components.app import App, AppArgs
from components.chart_release import pinned_release
from components.exposure import external_url
from components.pod_security import CONTAINER_SECURITY, POD_SECURITY
from stack_config import ExposureConfig, OpenWebUIConfig

# The chart's fullname is the release name when that contains the chart's name
# (templates/_helpers.tpl "open-webui.fullname" at open-webui-16.0.0): the Service is `open-webui`.
RELEASE_NAME = "open-webui"
CLAIM_NAME = "open-webui-data"
# "open-webui.selectorLabels": the release's instance and the chart's name as the component.
POD_LABELS = {"app.kubernetes.io/instance": RELEASE_NAME, "app.kubernetes.io/component": "open-webui"}
SECRET_NAME = "open-webui-secrets"

# Open WebUI 0.11.0's own default ComfyUI workflow (COMFYUI_DEFAULT_WORKFLOW, open_webui/config.py),
# written out so the node ids below always name this graph's nodes: a checkpoint, a prompt and an
# empty negative prompt, an empty latent, a KSampler, a VAE decode and a SaveImage node.
COMFYUI_WORKFLOW: dict[str, Any] = {
    "3": {"class_type": "KSampler", "inputs": {
        "seed": 0, "steps": 20, "cfg": 8, "sampler_name": "euler", "scheduler": "normal", "denoise": 1,
        "model": ["4", 0], "positive": ["6", 0], "negative": ["7", 0], "latent_image": ["5", 0]}},
    "4": {"class_type": "CheckpointLoaderSimple", "inputs": {"ckpt_name": "model.safetensors"}},
    "5": {"class_type": "EmptyLatentImage", "inputs": {"width": 512, "height": 512, "batch_size": 1}},
    "6": {"class_type": "CLIPTextEncode", "inputs": {"text": "Prompt", "clip": ["4", 1]}},
    "7": {"class_type": "CLIPTextEncode", "inputs": {"text": "", "clip": ["4", 1]}},
    "8": {"class_type": "VAEDecode", "inputs": {"samples": ["3", 0], "vae": ["4", 2]}},
    "9": {"class_type": "SaveImage", "inputs": {"filename_prefix": "ComfyUI", "images": ["8", 0]}},
}
# Where Open WebUI writes each request's values into that graph (_apply_workflow_nodes,
# open_webui/utils/images/comfyui.py). Without a mapping it sends the graph unchanged: every
# image would be "Prompt" from model.safetensors. The negative prompt is left out: the mapping
# writes None into the node when a request has none, which ComfyUI refuses.
COMFYUI_WORKFLOW_NODES: list[dict[str, Any]] = [
    {"type": "prompt", "key": "text", "node_ids": ["6"]},
    {"type": "model", "key": "ckpt_name", "node_ids": ["4"]},
    {"type": "width", "key": "width", "node_ids": ["5"]},
    {"type": "height", "key": "height", "node_ids": ["5"]},
    {"type": "n", "key": "batch_size", "node_ids": ["5"]},
    {"type": "steps", "key": "steps", "node_ids": ["3"]},
    {"type": "seed", "key": "seed", "node_ids": ["3"]},
]

# /health answers as soon as the server listens; /ready only once start-up (migrations, the admin,
# the embedding model) is done (open_webui/main.py). The first start downloads that model.
STARTUP_PROBE = {"httpGet": {"path": "/health", "port": "http"}, "periodSeconds": 10, "failureThreshold": 90}
LIVENESS_PROBE = {"httpGet": {"path": "/health", "port": "http"}, "periodSeconds": 20, "failureThreshold": 3}
READINESS_PROBE = {"httpGet": {"path": "/ready", "port": "http"}, "periodSeconds": 10, "failureThreshold": 3}


def _env(name: str, value: pulumi.Input[str]) -> dict[str, Any]:
    return {"name": name, "value": value}


def _from_secret(name: str) -> dict[str, Any]:
    return {"name": name, "valueFrom": {"secretKeyRef": {"name": SECRET_NAME, "key": name}}}


def environment(config: OpenWebUIConfig, *, exposure: ExposureConfig, comfyui_url: Optional[pulumi.Input[str]]) -> list[dict[str, Any]]:
    """Open WebUI's settings, read from the environment at every start (open_webui/env.py, config.py);
    ``comfyui_url`` is None unless it makes images through ComfyUI."""
    url = external_url(exposure, config.hostname)
    images = config.images
    return [
        # start.sh starts uvicorn on $PORT, 8080 unless set (backend/start.sh).
        _env("PORT", str(config.port)),
        # Persistent config seeds the database from the environment at the first start only, and the
        # database wins ever after (Config.get, open_webui/models/config.py): a later `pulumi up` that
        # changed a URL or sign-up would change nothing. Off, the stack's config is the only source.
        _env("ENABLE_PERSISTENT_CONFIG", "False"),
        # The admin exists before the first request is served: main.py's lifespan creates it when the
        # database has no user (create_admin_user, open_webui/utils/auth.py). The first sign-up would
        # otherwise become admin whatever ENABLE_SIGNUP says (routers/auths.py, signup).
        _env("WEBUI_ADMIN_EMAIL", config.admin_email or ""),
        _from_secret("WEBUI_ADMIN_PASSWORD"),
        # Without it start.sh writes a random key into /app/backend, off the volume: every restart
        # would sign everyone out.
        _from_secret("WEBUI_SECRET_KEY"),
        _env("ENABLE_SIGNUP", "True" if config.enable_signup else "False"),
        *([_env("WEBUI_URL", url)] if url else []),
        *([_env("WEBUI_AUTH_TRUSTED_EMAIL_HEADER", config.trusted_email_header)] if config.trusted_email_header else []),
        # OFFLINE_MODE sets HF_HUB_OFFLINE itself (env.py), after huggingface_hub may already have read it.
        *([_env("OFFLINE_MODE", "True"), _env("HF_HUB_OFFLINE", "1")] if config.offline else []),
        *([
            _env("ENABLE_IMAGE_GENERATION", "True"),
            _env("IMAGE_GENERATION_ENGINE", "comfyui"),
            _env("COMFYUI_BASE_URL", comfyui_url),
            _env("COMFYUI_WORKFLOW", json.dumps(COMFYUI_WORKFLOW, sort_keys=True)),
            _env("COMFYUI_WORKFLOW_NODES", json.dumps(COMFYUI_WORKFLOW_NODES)),
            _env("IMAGE_GENERATION_MODEL", images.model),
            _env("IMAGE_SIZE", images.size),
            _env("IMAGE_STEPS", str(images.steps)),
        ] if comfyui_url is not None else []),
    ]


def chart_values(
    config: OpenWebUIConfig, *, exposure: ExposureConfig, claim_name: pulumi.Input[str], ollama_url: pulumi.Input[str],
    comfyui_url: Optional[pulumi.Input[str]],
) -> dict[str, Any]:
    """Values for chart 16.0.0; every key here exists in that version's values.yaml."""
    return {
        # On by default: a second Ollama, a Pipelines server, a Redis, and an OpenAI connection that
        # sends the placeholder key `0p3n-w3bu!` to api.openai.com (values.yaml). The stack has its own Ollama.
        "ollama": {"enabled": False},
        "pipelines": {"enabled": False},
        "enableOpenaiApi": False,
        # One replica needs no Redis: Socket.IO's own manager, in the process (WEBSOCKET_MANAGER unset).
        "websocket": {"manager": "", "redis": {"enabled": False}},
        "ollamaUrls": [ollama_url],
        # With local persistence the chart makes a StatefulSet, whose `updateStrategy` cannot be Recreate.
        "workload": {"kind": "Deployment"},
        # One writer of webui.db on a ReadWriteOnce claim: the old pod stops before the new one starts.
        "strategy": {"type": "Recreate"},
        "replicaCount": config.running_replicas,
        "image": {"repository": config.image.repository, "tag": config.image.tag},
        # With existingClaim the chart creates no PVC (templates/pvc.yaml), so `helm uninstall` cannot delete it.
        "persistence": {"enabled": True, "existingClaim": claim_name},
        "service": {"port": config.port, "containerPort": config.port},
        "resources": {"requests": config.resources.requests(), "limits": config.resources.limits()},
        # The chart sets no security context and no probes (templates/workload-manager.yaml); the
        # init container that copies the image's data takes the container's context too.
        "podSecurityContext": POD_SECURITY,
        "containerSecurityContext": CONTAINER_SECURITY,
        "startupProbe": STARTUP_PROBE,
        "livenessProbe": LIVENESS_PROBE,
        "readinessProbe": READINESS_PROBE,
        "extraEnvVars": environment(config, exposure=exposure, comfyui_url=comfyui_url),
    }


OpenWebUIAppArgs = AppArgs[OpenWebUIConfig]


class OpenWebUIApp(App[OpenWebUIConfig]):
    """Open WebUI: a Helm release of the official chart, its protected data claim and its secrets."""

    def __init__(self, name: str, args: OpenWebUIAppArgs, opts: Optional[pulumi.ResourceOptions] = None):
        super().__init__("homelab:ai:OpenWebUIApp", name, args, claim=CLAIM_NAME, claim_suffix="data", opts=opts)
        config = args.config
        urls: Mapping[str, pulumi.Output[str]] = args.internal_urls

        # Secret inputs stay encrypted in the state; the same values make no diff on the next `up`.
        secrets = k8s.core.v1.Secret(
            f"{name}-secrets",
            metadata=k8s.meta.v1.ObjectMetaArgs(name=SECRET_NAME, namespace=self.namespace),
            type="Opaque",
            string_data={
                "WEBUI_ADMIN_PASSWORD": pulumi.Output.secret(config.admin_password or ""),
                "WEBUI_SECRET_KEY": pulumi.Output.secret(config.secret_key or ""),
            },
            opts=self.child,
        )
        release = pinned_release(
            f"{name}-release",
            chart="open-webui",
            release_name=RELEASE_NAME,
            pin=config.chart,
            namespace=self.namespace,
            values=chart_values(
                config, exposure=args.exposure, claim_name=self.claim_name, ollama_url=urls["ollama"],
                # Config refuses images without an installed ComfyUI.
                comfyui_url=urls["comfyui"] if config.images.enabled else None,
            ),
            # The first start pulls a multi-GB image and downloads the embedding model.
            timeout=1200,
            opts=pulumi.ResourceOptions(parent=self, depends_on=[secrets]),
        )
        service_name = release.name.apply(lambda given: given or RELEASE_NAME)
        self.expose(service_name, POD_LABELS)
        self.finish()
