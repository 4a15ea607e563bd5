"""The table of every config key: ``FIELDS``.

One row per key: section, path inside the section's YAML map, parser, default (the upstream homelab
document's value where it has one, docs/decisions.md), the description, and ``attr``, the attribute
of the section's dataclass (model.py) that receives the parsed value. docs/configuration.md is
generated from it (``python -m stack_config.reference``).
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass
from typing import Any, Callable, Optional

from stack_config.comfyui_settings import checkpoint_name, comfyui_args
from stack_config.longhorn_settings import BACKUP_TASKS, MAX_RETAIN, backup_target_url, cron_schedule
from stack_config.model import StackConfig
from stack_config.ollama_settings import ollama_env
from stack_config.open_webui_settings import (
    BCRYPT_MAX_BYTES,
    MIN_PASSWORD_LENGTH,
    MIN_SECRET_KEY_LENGTH,
    email_address,
    header_name,
    image_size,
    secret_text,
)
from stack_config.platforms import driver_line, each_platform, operator_versions_described, platforms_described, platforms_refusing
from stack_config.quantities import byte_quantity, cpu_quantity
from stack_config.values import (
    absolute_path,
    annotation_key,
    app_namespace_name,
    boolean,
    chart_version,
    cidr_list,
    go_duration,
    hostname,
    http_url,
    image_repository,
    image_tag,
    label_map,
    model_list,
    namespace_list,
    namespace_name,
    object_name,
    one_of,
    optional,
    pod_label_map,
    repository_url,
    resource_name,
    route_timeout,
    scrape_interval,
    taint_list,
    whole_number,
)
from stack_config.vocabulary import (
    CONTROLLER_IMPLEMENTATIONS,
    DRIVER_LINES,
    EXPOSURE_KINDS,
    GPU_PLUGINS,
    MANAGER_SECURITY_LEVELS,
    PLATFORMS,
    SHARING_STRATEGIES,
)
from stack_config.vram_plan import LOADERS

# One section per StackConfig attribute, in its order: a new app is a new attribute.
SECTIONS = tuple(f.name for f in dataclasses.fields(StackConfig))

# A model cache below 1 Gi holds no model worth pulling; a pod below 64 Mi does not start Python.
MIN_STORAGE = "1Gi"
MIN_MEMORY = "64Mi"
# A request body limit below 1Ki turns away any real chat request or image upload.
MIN_UPLOAD = "1Ki"
# No CUDA card worth planning has less. A budget below 1Gi holds neither Ollama's 457 MiB for
# its context (ml/device.go MinimumMemory) with a model, nor ComfyUI's 0.8 GiB of inference memory
# (comfy/model_management.py minimum_inference_memory).
MIN_GPU_MEMORY = "1Gi"
MIN_VRAM_BUDGET = "1Gi"



@dataclass(frozen=True)
class Field:
    section: str
    path: str
    parse: Callable[[Any], Any]
    default: Any
    doc: str
    free_form: bool = False
    """Its value is a map or list whose own keys are data, not config keys."""
    attr: Optional[str] = None
    """Dotted attribute path in the section's dataclass; by default the path in snake_case."""
    secret: bool = False
    """Its value must be a stack secret (`pulumi config set --secret`) whenever it is set and its app is installed."""

    @property
    def key(self) -> str:
        return f"{self.section}.{self.path}"

    @property
    def attribute(self) -> str:
        return self.attr or re.sub(r"(?<=[a-z0-9])([A-Z])", r"_\1", self.path).lower()


def _app_fields(section: str, *, namespace: str, image: tuple[str, str], port: int,
                requests: tuple[str, str], limits: tuple[str, str], claim: str,
                upload: tuple[str, str], gpus: tuple[int, int, str] = (1, 8, ""), installed: bool = True,
                storage: str = "100Gi",
                tag_doc: str = "Container image tag (pinned; never `latest`).") -> list[Field]:
    """The keys every app has. ``gpus`` is (fewest, most, what the description adds); the default is
    one GPU where the app may have one."""
    upload_size = byte_quantity(MIN_UPLOAD, "100Mi or 1Gi")
    fewest, most, gpus_doc = gpus
    return [
        Field(section, "installed", boolean, installed,
              "Deploy the app at all. Once deployed its namespace and data PVC are protected, so `false` afterwards stops "
              "`pulumi up` at them rather than deleting anything (docs/data-safety.md); use `enabled: false` to stop it."),
        Field(section, "enabled", boolean, True,
              "Run the app; `false` keeps its namespace, data PVC and route and scales it to 0, freeing its GPU."),
        Field(section, "namespace", app_namespace_name, namespace, "Namespace the app runs in."),
        Field(section, "image.repository", image_repository, image[0], "Container image repository."),
        # An empty default tag is the platform's (defaults.platform_values).
        Field(section, "image.tag", image_tag if image[1] else optional(image_tag), image[1], tag_doc),
        Field(section, "hostname", optional(hostname), "", "External hostname; required unless `exposure.kind` is `none`."),
        Field(section, "port", whole_number(1, 65535), port, "Port the app listens on and its Service exposes."),
        Field(section, "replicas", whole_number(0, 100), 1, "Pod replicas while the app is enabled."),
        Field(section, "gpus", whole_number(fewest, most), min(1, most), f"GPUs each pod asks for (`gpu.resourceName`){gpus_doc}."),
        Field(section, "resources.requests.cpu", cpu_quantity, requests[0], "CPU request.",
              attr="resources.cpu_request"),
        Field(section, "resources.requests.memory", byte_quantity(MIN_MEMORY, "512Mi or 4Gi"), requests[1], "Host memory request.",
              attr="resources.memory_request"),
        Field(section, "resources.limits.cpu", cpu_quantity, limits[0], "CPU limit.", attr="resources.cpu_limit"),
        Field(section, "resources.limits.memory", byte_quantity(MIN_MEMORY, "512Mi or 4Gi"), limits[1],
              "Host memory limit (VRAM is not counted here).", attr="resources.memory_limit"),
        Field(section, "storage.size", byte_quantity(MIN_STORAGE, "100Gi or 500G"), storage,
              f"Size of the `{claim}` PVC the program owns (protected, retained)."),
        Field(section, "storage.storageClass", object_name, "longhorn", f"Storage class of the `{claim}` PVC."),
        Field(section, "access.allowedSources", cidr_list, [],
              "Source ranges allowed through the route or ingress.", free_form=True),
        Field(section, "access.forwardAuthUrl", optional(http_url), "",
              "Forward-auth endpoint (oauth2-proxy, Authentik outpost) every request must pass."),
        Field(section, "access.public", boolean, False,
              "Acknowledges exposing the app with neither allowlist nor forward-auth: anyone who reaches the hostname can use it."),
        Field(section, "access.clientNamespaces", namespace_list, [],
              "In-cluster namespaces whose pods may reach the app's port (NetworkPolicy); an installed app that calls this one "
              "(Open WebUI) adds its own.", free_form=True),
        Field(section, "route.requestTimeout", optional(route_timeout), "10m",
              "Longest request through the route (HTTPRoute `timeouts.request`, ingress read/send timeouts); empty leaves the controller's default."),
        Field(section, "route.maxUploadSize", optional(upload_size) if upload[0] == "" else upload_size, upload[0], upload[1]),
    ]


def _backup_fields(section: str, holds: str) -> list[Field]:
    """The keys of an app whose data volume holds what cannot be downloaded again."""
    return [
        Field(section, "backup.schedule", optional(cron_schedule), "",
              f"When Longhorn backs up the data volume ({holds}): a cron schedule such as `0 3 * * *`; empty backs up "
              "nothing (docs/data-safety.md).", attr="backup.schedule"),
        Field(section, "backup.task", one_of(*BACKUP_TASKS), "backup",
              "`backup`: a snapshot copied to the backup target (`backups.target`), which survives the disk; "
              "`snapshot`: a snapshot on the volume only, against deletion and corruption, not disk loss.",
              attr="backup.task"),
        Field(section, "backup.retain", whole_number(1, MAX_RETAIN), 7,
              "Backups (or snapshots) Longhorn keeps; the oldest goes as a new one lands.", attr="backup.retain"),
    ]


def _budget_field(section: str, what: str) -> Field:
    return Field(section, "vram.budget", optional(byte_quantity(MIN_VRAM_BUDGET, "9.5Gi or 5500Mi")), "",
                 f"{what}'s share of the card under a VRAM plan (docs/gpu-sharing.md): set on every GPU app that shares "
                 "the card, with `gpu.memory`; empty means no plan.", attr="vram.budget")


FIELDS: tuple[Field, ...] = (
    Field("gpu", "platform", one_of(*PLATFORMS), "talos-1.13",
          f"The GPU node's OS release: {platforms_described()}. Empty keys below marked \"the platform's\" follow it "
          "(docs/platforms.md)."),
    Field("gpu", "driver", optional(driver_line), "",
          f"NVIDIA driver branch on the node: {' or '.join(f'`{d}`' for d in DRIVER_LINES)}, one the platform ships; "
          f"empty means the platform's ({each_platform(lambda p: p.drivers[0])})."),
    Field("gpu", "plugin", optional(one_of(*GPU_PLUGINS)), "",
          "What makes the GPU node usable: `device-plugin` (NVIDIA k8s-device-plugin chart with NFD and GFD; not on "
          f"{', '.join(platforms_refusing('device-plugin'))}), `gpu-operator`, or `none` (managed elsewhere); empty means "
          f"the platform's ({each_platform(lambda p: f'`{p.plugin}`')})."),
    Field("gpu", "namespace", optional(namespace_name), "",
          "Namespace of the GPU plumbing (Pod Security `privileged`); empty means `nvidia-device-plugin` or `gpu-operator` by mode."),
    Field("gpu", "runtimeClass", optional(object_name), "",
          "RuntimeClass GPU pods use (declared by the program in `device-plugin` mode, by the operator in `gpu-operator` mode); "
          f"empty means the platform's: {each_platform(lambda p: f'`{p.runtime_class}`' if p.runtime_class else 'none')} "
          "(none: CDI injects the GPU under the default runtime)."),
    Field("gpu", "createRuntimeClass", boolean, True,
          "`device-plugin` mode: declare `runtimeClass` (handler `nvidia`); `false` uses the one the cluster already has "
          "(the Talos guide's hand-made `nvidia`) and never touches it. Other modes never declare one."),
    Field("gpu", "resourceName", resource_name, "nvidia.com/gpu", "Extended resource GPU pods ask for."),
    Field("gpu", "nodeSelector", label_map, {"nvidia.com/gpu.present": "true"},
          "Node labels that pin GPU pods to GPU nodes. `nvidia.com/gpu.present` is written by the program's NFD NodeFeatureRule "
          "(`device-plugin`) or the GPU Operator; with `none` the cluster must carry it (see docs/gpu-nodes.md).", free_form=True),
    Field("gpu", "taints", taint_list, [],
          "Taints the GPU nodes carry besides `<resourceName>:NoSchedule` (tolerated whatever its value), such as "
          "`[{key: dedicated, value: ai, effect: NoSchedule}]`; every GPU app and every GPU DaemonSet of the plumbing tolerates "
          "each (a taint without `value` is tolerated whatever its value).", free_form=True),
    Field("gpu", "count", whole_number(1, 16), 1, "Physical GPUs on the GPU nodes."),
    Field("gpu", "memory", optional(byte_quantity(MIN_GPU_MEMORY, "16Gi")), "",
          "Memory of each GPU (16Gi for the RTX 5070 Ti); required with a VRAM plan (`<app>.vram.budget`, "
          "docs/gpu-sharing.md)."),
    Field("gpu", "vramSlack", byte_quantity("0Mi", "1Gi"), "1Gi",
          "VRAM a plan leaves to no app: each process's CUDA context, which no app's own count includes, and "
          "fragmentation. The pack's VRAM policy refuses budgets that, with it, exceed `memory`."),
    Field("gpu", "sharing.strategy", one_of(*SHARING_STRATEGIES), "exclusive",
          "`exclusive`: one pod per GPU. `time-slicing`: the device plugin advertises `sharing.replicas` slices of each GPU (no VRAM isolation).",
          attr="sharing_strategy"),
    Field("gpu", "sharing.replicas", optional(whole_number(2, 16)), "",
          "Slices per GPU; required with `time-slicing`, not allowed with `exclusive`.", attr="sharing_replicas"),
    Field("gpu", "devicePlugin.version", chart_version, "0.17.4", "`nvidia-device-plugin` chart version.",
          attr="device_plugin_chart.version"),
    Field("gpu", "devicePlugin.repository", repository_url, "https://nvidia.github.io/k8s-device-plugin",
          "`nvidia-device-plugin` chart repository.", attr="device_plugin_chart.repository"),
    Field("gpu", "gpuOperator.version", optional(chart_version), "",
          f"`gpu-operator` chart version; empty means the platform's ({operator_versions_described()}).",
          attr="gpu_operator_chart.version"),
    Field("gpu", "gpuOperator.repository", repository_url, "https://helm.ngc.nvidia.com/nvidia", "`gpu-operator` chart repository.",
          attr="gpu_operator_chart.repository"),
    Field("gpu", "metrics.enabled", boolean, False,
          "GPU metrics from DCGM (basic fields only, which GeForce cards support): the dcgm-exporter chart with `device-plugin`, "
          "the operator's exporter with `gpu-operator`."),
    Field("gpu", "metrics.serviceMonitor", boolean, False,
          "Also a Prometheus Operator ServiceMonitor for the exporter (needs the monitoring.coreos.com CRDs)."),
    Field("gpu", "metrics.interval", scrape_interval, "15s", "Scrape interval of that ServiceMonitor."),
    Field("gpu", "metrics.dcgmExporter.version", chart_version, "4.8.2",
          "`dcgm-exporter` chart version (`device-plugin` mode; value keys are checked against 4.8.2).",
          attr="metrics.dcgm_exporter_chart.version"),
    Field("gpu", "metrics.dcgmExporter.repository", repository_url, "https://nvidia.github.io/dcgm-exporter/helm-charts",
          "`dcgm-exporter` chart repository.", attr="metrics.dcgm_exporter_chart.repository"),
    Field("exposure", "kind", one_of(*EXPOSURE_KINDS), "none",
          "How the apps are reached from outside: `gateway` (HTTPRoute), `ingress`, or `none`."),
    Field("exposure", "scheme", one_of("http", "https"), "http",
          "Scheme of the exported external URLs (TLS is the Gateway's or Ingress controller's)."),
    Field("exposure", "gateway.name", optional(object_name), "", "Gateway the HTTPRoutes attach to; required when `kind` is `gateway`.",
          attr="gateway_name"),
    Field("exposure", "gateway.namespace", optional(namespace_name), "", "Namespace of that Gateway; required when `kind` is `gateway`.",
          attr="gateway_namespace"),
    Field("exposure", "gateway.sectionName", optional(object_name), "",
          "Listener of that Gateway to attach to; empty attaches to every listener that allows it.",
          attr="gateway_section"),
    Field("exposure", "gateway.enforcesAccess", boolean, False,
          "States that the Gateway itself applies the apps' `access` allowlist or forward-auth: an HTTPRoute cannot.",
          attr="gateway_enforces_access"),
    Field("exposure", "ingress.className", optional(object_name), "", "IngressClass; required when `kind` is `ingress`.",
          attr="ingress_class"),
    Field("exposure", "ingress.allowlistAnnotation", optional(annotation_key), "nginx.ingress.kubernetes.io/whitelist-source-range",
          "Ingress annotation that carries `access.allowedSources` for this ingress class.", attr="ingress_allowlist_annotation"),
    Field("exposure", "ingress.forwardAuthAnnotation", optional(annotation_key), "nginx.ingress.kubernetes.io/auth-url",
          "Ingress annotation that carries `access.forwardAuthUrl` for this ingress class.", attr="ingress_forward_auth_annotation"),
    Field("exposure", "ingress.readTimeoutAnnotation", optional(annotation_key), "nginx.ingress.kubernetes.io/proxy-read-timeout",
          "Ingress annotation that carries each app's `route.requestTimeout` in seconds as the read timeout; empty writes none.",
          attr="ingress_read_timeout_annotation"),
    Field("exposure", "ingress.sendTimeoutAnnotation", optional(annotation_key), "nginx.ingress.kubernetes.io/proxy-send-timeout",
          "Ingress annotation that carries each app's `route.requestTimeout` in seconds as the send timeout; empty writes none.",
          attr="ingress_send_timeout_annotation"),
    Field("exposure", "ingress.bodySizeAnnotation", optional(annotation_key), "nginx.ingress.kubernetes.io/proxy-body-size",
          "Ingress annotation that carries each app's `route.maxUploadSize` (as `100m`); empty writes none.",
          attr="ingress_body_size_annotation"),
    Field("exposure", "ingress.publishesAddress", boolean, False,
          "States that the ingress controller writes its address into each Ingress's status (a LoadBalancer Service with an "
          "address, or ingress-nginx's `--publish-status-address`); `pulumi up` then waits for it, up to 10 minutes. "
          "`false` skips that wait, which would otherwise fail after 10 minutes (docs/routes.md).",
          attr="ingress_publishes_address"),
    Field("exposure", "ingress.preservesClientAddress", boolean, False,
          "States that the ingress controller sees each client's own address (its Service has `externalTrafficPolicy: Local`, "
          "or PROXY protocol or a trusted real-IP header is set up): an `access.allowedSources` allowlist under `ingress` needs it, "
          "because behind source NAT every client has a node's address (docs/security.md).",
          attr="ingress_preserves_client_address"),
    Field("exposure", "controller.implementation", optional(one_of(*CONTROLLER_IMPLEMENTATIONS)), "",
          "What carries the Gateway's or Ingress's traffic to the pods: `cilium` (its `ingress` identity, let in by a "
          "CiliumNetworkPolicy), `envoy-gateway`, `traefik`, `ingress-nginx` (their proxy pods, by label) or `other` "
          "(`controller.podLabels`); required unless `kind` is `none`.", attr="controller_implementation"),
    Field("exposure", "controller.podLabels", pod_label_map, {},
          "Labels of the proxy pods let in to the app ports; empty means the implementation's own (docs/network.md); "
          "required with `other`, not allowed with `cilium`.", free_form=True, attr="controller_pod_labels"),
    Field("exposure", "controllerNamespace", optional(namespace_name), "",
          "Namespace of the proxy pods the NetworkPolicies let in (unused with `cilium`); empty means `gateway.namespace`."),
    Field("ollama", "chart.version", chart_version, "1.41.0", "otwld `ollama` chart version (value keys are checked against 1.41.0)."),
    Field("ollama", "chart.repository", repository_url, "https://otwld.github.io/ollama-helm/", "otwld `ollama` chart repository."),
    *_app_fields("ollama", namespace="ollama", image=("ollama/ollama", "0.17.1"), port=11434,
                 requests=("1000m", "2Gi"), limits=("4000m", "4Gi"), claim="ollama-models",
                 gpus=(0, 8, "; `0` runs Ollama's models on the CPU, on any node, holding no GPU"),
                 upload=("100Mi", "Largest request body through the route (ingress body-size annotation): "
                                  "chat requests carry images base64-encoded.")),
    Field("ollama", "models.pull", model_list, [],
          "Models a Job pulls through Ollama's API whenever this list changes (kept on the cache PVC); Ollama never pulls at start.",
          free_form=True, attr="models_pull"),
    Field("ollama", "keepAlive", optional(go_duration), "",
          "`OLLAMA_KEEP_ALIVE`: how long an idle model holds VRAM; empty means 5m with `exclusive`, 1m with `time-slicing`, "
          "and -1 (stay loaded) under a VRAM plan, which refuses any other value."),
    _budget_field("ollama", "Ollama"),
    Field("ollama", "vram.models", whole_number(1, 16), 1,
          "Under a plan: models loaded at once (`OLLAMA_MAX_LOADED_MODELS`).", attr="vram.models"),
    Field("ollama", "vram.parallel", whole_number(1, 64), 1,
          "Under a plan: requests each model serves at once, each with its own context (`OLLAMA_NUM_PARALLEL`).",
          attr="vram.parallel"),
    Field("ollama", "vram.contextLength", whole_number(256, 1048576), 4096,
          "Under a plan: context length in tokens (`OLLAMA_CONTEXT_LENGTH`; 4096 is Ollama's own below 23 GiB of VRAM).",
          attr="vram.context_length"),
    Field("ollama", "vram.cachePerToken", byte_quantity("1Ki", "128Ki"), "128Ki",
          "Under a plan: the f16 K/V cache per token of the largest model loaded, layers x K/V heads x (key + value "
          "width) x 2 bytes (128Ki for Llama 3.1 8B); the pack's footprint advisory reads it.",
          attr="vram.cache_per_token"),
    Field("ollama", "env", ollama_env, {},
          "Ollama server settings by name (`OLLAMA_FLASH_ATTENTION`, `OLLAMA_KV_CACHE_TYPE`, `OLLAMA_CONTEXT_LENGTH`, "
          "`OLLAMA_MAX_LOADED_MODELS`, `OLLAMA_NUM_PARALLEL`, `OLLAMA_GPU_OVERHEAD`, `OLLAMA_LOAD_TIMEOUT`, `OLLAMA_MAX_QUEUE`), "
          "checked against Ollama 0.17.1.", free_form=True),
    *_app_fields("comfyui", namespace="comfyui", image=("yanwk/comfyui-boot", ""), port=8188,
                 requests=("1000m", "4Gi"), limits=("4000m", "8Gi"), claim="comfyui-data",
                 tag_doc="Container image tag (pinned; never `latest`); empty means the tag for `gpu.driver`: "
                         "`cu128-megapak-20260223` on 570, `cu130-megapak-pt211-20260701` on 580 and 595.",
                 upload=("", "Largest upload through the route and ComfyUI's `--max-upload-size`; empty means that flag's value "
                             "in `extraArgs`, else 100Mi (ComfyUI's default).")),
    _budget_field("comfyui", "ComfyUI"),
    Field("comfyui", "vram.loader", optional(one_of(*LOADERS)), "",
          "The model loader of the ComfyUI on the data volume: `estimate` (releases before 0.16) or `dynamic` "
          "(Dynamic VRAM, 0.16 on); empty means the image tag's (`estimate` up to the 20260223 builds, `dynamic` "
          "from 20260701). The volume keeps the ComfyUI its first start copied, whatever the tag later says.",
          attr="vram.loader"),
    Field("comfyui", "disableXformers", optional(boolean), "",
          "Pass `--disable-xformers` to ComfyUI; empty follows the image README's advice: on for the cu128 megapak tags "
          "(xFormers fails on Blackwell), off otherwise."),
    *_backup_fields("comfyui", "outputs, inputs, saved workflows and installed custom nodes beside the models"),
    Field("comfyui", "dataPath", absolute_path, "/root",
          "Where the data PVC is mounted: the yanwk images keep ComfyUI, models and outputs under /root."),
    Field("comfyui", "managerSecurityLevel", one_of(*MANAGER_SECURITY_LEVELS), "normal",
          "ComfyUI-Manager `security_level`, written before every start (the images ship `weak`: install anything from the "
          "browser). `normal` still lets anyone who reaches the UI install, update and remove node packs from the default "
          "channel and restart ComfyUI; `strong` blocks those (docs/security.md)."),
    Field("comfyui", "extraArgs", comfyui_args, [],
          "ComfyUI flags appended after `--listen 0.0.0.0 --port <port>`, such as `[--reserve-vram, 4]`; checked against ComfyUI's `cli_args.py`.",
          free_form=True),
    Field("openwebui", "chart.version", chart_version, "16.0.0",
          "`open-webui` chart version (value keys are checked against 16.0.0).", attr="chart.version"),
    Field("openwebui", "chart.repository", repository_url, "https://helm.openwebui.com/", "`open-webui` chart repository.",
          attr="chart.repository"),
    *_app_fields("openwebui", namespace="open-webui", image=("ghcr.io/open-webui/open-webui", "0.11.0"), port=8080,
                 requests=("500m", "1Gi"), limits=("2000m", "4Gi"), claim="open-webui-data", storage="10Gi",
                 gpus=(0, 0, "; Open WebUI runs on the CPU and holds no GPU: `0` is the only value"), installed=False,
                 upload=("100Mi", "Largest request body through the route (ingress body-size annotation): documents "
                                  "and images uploaded into a chat.")),
    *_backup_fields("openwebui", "its database, uploads and vector store"),
    Field("openwebui", "adminEmail", optional(email_address), "",
          "The admin account Open WebUI creates at its first start, before it serves anyone; required when installed."),
    Field("openwebui", "adminPassword", optional(secret_text(MIN_PASSWORD_LENGTH, "the admin's password", BCRYPT_MAX_BYTES)), "",
          f"That account's password: a stack secret of {MIN_PASSWORD_LENGTH} to {BCRYPT_MAX_BYTES} bytes "
          "(`pulumi config set --secret --path openwebui.adminPassword`); required when installed. Read once: changing it "
          "later changes nothing in Open WebUI (docs/open-webui.md).", secret=True),
    Field("openwebui", "secretKey", optional(secret_text(MIN_SECRET_KEY_LENGTH, "the session signing key")), "",
          "`WEBUI_SECRET_KEY`, which signs every session: a stack secret (`pulumi config set --secret --path "
          "openwebui.secretKey \"$(openssl rand -hex 32)\"`); required when installed. Changing it signs everyone out.",
          secret=True),
    Field("openwebui", "enableSignup", boolean, False,
          "Let visitors create accounts (`ENABLE_SIGNUP`; new accounts wait for the admin's approval). While it is on, "
          "the app's login no longer counts as access control."),
    Field("openwebui", "trustedEmailHeader", optional(header_name), "",
          "Header the forward-auth proxy sets to the signed-in user's email (`WEBUI_AUTH_TRUSTED_EMAIL_HEADER`); Open WebUI "
          "then trusts it blindly. Needs `access.forwardAuthUrl` and no `access.clientNamespaces` (docs/security.md)."),
    Field("openwebui", "offline", boolean, False,
          "`OFFLINE_MODE`: no Hugging Face downloads (`HF_HUB_OFFLINE`) and no update checks. Chat works; document search "
          "(RAG) needs its embedding model on the data volume already (docs/open-webui.md)."),
    Field("openwebui", "images.enabled", optional(boolean), "",
          "Make images through the stack's ComfyUI; empty means on exactly when ComfyUI is installed.", attr="images.enabled"),
    Field("openwebui", "images.model", checkpoint_name, "sd_xl_base_1.0.safetensors",
          "Checkpoint ComfyUI loads for Open WebUI's prompts, a file of ComfyUI's `models/checkpoints/`.", attr="images.model"),
    Field("openwebui", "images.size", image_size, "1024x1024", "Image size, `<width>x<height>` (`IMAGE_SIZE`).",
          attr="images.size"),
    Field("openwebui", "images.steps", whole_number(1, 150), 30, "Sampler steps per image (`IMAGE_STEPS`).",
          attr="images.steps"),
    Field("backups", "target", optional(backup_target_url), "",
          "States the URL of Longhorn's own backup target (its BackupTarget `default`), which the stack does not own; "
          "required while an app's `backup.task` is `backup`. Set it in Longhorn first (docs/data-safety.md)."),
    Field("backups", "longhornNamespace", namespace_name, "longhorn-system",
          "Namespace Longhorn runs in: its RecurringJobs live there."),
)
