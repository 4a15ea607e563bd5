"""The stack's configuration: read once, validated whole, handed on as frozen dataclasses.

Every key the program reads is a row of ``FIELDS``; the README's config reference and the
tests are checked against that table. Components never read ``pulumi.Config`` themselves.
"""

from __future__ import annotations

import ipaddress
import json
import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any, Callable, Mapping, Optional

import pulumi

import runtime_settings

PROJECT = "homelab-ai"
SECTIONS = ("gpu", "exposure", "ollama", "comfyui")

GPU_PLUGINS = ("device-plugin", "gpu-operator", "none")
PLATFORMS = ("talos-1.12", "talos-1.13")
DRIVER_LINES = ("570", "580", "595")
SHARING_STRATEGIES = ("exclusive", "time-slicing")
EXPOSURE_KINDS = ("none", "gateway", "ingress")
# How the Gateway or ingress controller's traffic reaches the app pods (see
# components/network_policies.py, PROXY_POD_LABELS): Cilium's own Gateway/Ingress as its
# `ingress` identity; the others from their proxy pods.
CONTROLLER_IMPLEMENTATIONS = ("cilium", "envoy-gateway", "traefik", "ingress-nginx", "other")

# How long Ollama keeps an idle model in VRAM unless the stack says otherwise: Ollama's own
# default on a card it has to itself, and short enough on a shared card that ComfyUI gets the
# memory back soon after a chat ends.
DEFAULT_KEEP_ALIVE = {"exclusive": "5m", "time-slicing": "1m"}

# Where each GPU plugin mode lives unless the stack says otherwise.
DEFAULT_GPU_NAMESPACE = {
    "device-plugin": "nvidia-device-plugin",
    "gpu-operator": "gpu-operator",
    "none": None,
}


@dataclass(frozen=True)
class Platform:
    """What a Talos release gives the GPU node, and the plumbing its NVIDIA guide documents."""

    plugin: str
    drivers: tuple[str, ...]
    """Driver lines Talos ships as system extensions for this release; the first is the default."""
    runtime_class: Optional[str]
    """RuntimeClass GPU pods use unless the stack names one; None: the default runtime."""
    gpu_operator_version: str
    min_gpu_operator_version: Optional[str]
    cdi: bool = False
    """Containerd injects GPUs as CDI devices (Talos 1.13 enables CDI by default)."""
    driver_install_dir: Optional[str] = None
    """Where the Talos driver extension puts the driver, for the GPU Operator's hostPaths."""


# Talos support matrices (siderolabs/docs public/talos/v1.12 and v1.13/getting-started/support-matrix.mdx):
# 1.12 ships drivers 570 (production) and 580 (LTS), 1.13 ships 595 (production) and 580 (LTS).
# 1.12's NVIDIA guide uses the nvidia-device-plugin chart and a RuntimeClass `nvidia`; 1.13
# switched to CDI, and its guide (configure-your-talos-cluster/hardware-and-drivers/nvidia-gpu.mdx)
# installs the GPU Operator "v26.3.1 or higher"; earlier operators fail to parse Talos's version
# (NVIDIA/gpu-operator issue 2239). Under CDI the operator's device plugin hands GPUs to the
# runtime as CDI devices (gpu-operator v26.3.1 controllers/object_controls.go,
# transformDevicePluginCtrForCDI: deviceListStrategy "cdi-annotations,cdi-cri"), which
# containerd injects under its default runtime: GPU pods need no runtimeClassName.
PLATFORM_DEFAULTS: Mapping[str, Platform] = {
    "talos-1.12": Platform(plugin="device-plugin", drivers=("570", "580"), runtime_class="nvidia",
                           gpu_operator_version="v25.10.1", min_gpu_operator_version=None),
    "talos-1.13": Platform(plugin="gpu-operator", drivers=("580", "595"), runtime_class=None,
                           gpu_operator_version="v26.3.1", min_gpu_operator_version="v26.3.1",
                           cdi=True, driver_install_dir="/usr/local"),
}

# The ComfyUI image per driver line. CUDA 13.0 images need driver 580 or newer: on 570 the
# cu128 megapak line, archived upstream on 2026-05-19 (YanWenKun/ComfyUI-Docker
# archived/cu128-megapak), whose last tags no longer move. cu130-megapak-pt211-20260701 was
# built and pushed to Docker Hub (hub.docker.com/r/yanwk/comfyui-boot) by
# .github/workflows/build-cu130-megapak-pt211.yml (tags `cu130-megapak-pt211-<date>`), which
# check-comfyui-release.yml dispatched for ComfyUI v0.27.0 (commit 3745010, 2026-07-01).
COMFYUI_TAG_FOR_DRIVER: Mapping[str, str] = {
    "570": "cu128-megapak-20260223",
    "580": "cu130-megapak-pt211-20260701",
    "595": "cu130-megapak-pt211-20260701",
}
# The lowest driver line each CUDA major version of the yanwk tags (`cu<major><minor>-...`) runs on.
CUDA_MIN_DRIVER = {12: "570", 13: "580"}
_CUDA_TAG_RE = re.compile(r"^cu(?P<major>1\d)\d")


def cuda_major(tag: str) -> Optional[int]:
    """CUDA major version a yanwk tag names, such as 13 for cu130-megapak-pt211; None if it names none."""
    match = _CUDA_TAG_RE.match(tag)
    return int(match.group("major")) if match else None


def xformers_advice(tag: str) -> bool:
    """Whether the image's README says to pass --disable-xformers.

    The cu128 megapak README (archived/cu128-megapak/README.adoc) runs `--disable-xformers`:
    xFormers "can cause issues on Blackwell GPUs" (the line built for Blackwell). The cu130
    megapak README lists xFormers as working on Blackwell and leaves it on.
    """
    return tag.startswith("cu128-megapak")


def version_key(version: str) -> tuple[int, int, int, int]:
    """Orders chart versions; a pre-release sorts before its release."""
    core, _, pre = version.lstrip("v").partition("-")
    major, minor, patch = (int(part) for part in core.split("+")[0].split("."))
    return major, minor, patch, 0 if pre else 1


class ConfigError(pulumi.RunError):
    """Raised before any resource is registered; lists every problem found, not just the first."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        lines = "\n".join(f"  - {p}" for p in problems)
        super().__init__(f"invalid stack configuration ({len(problems)} problem(s)):\n{lines}")


@dataclass(frozen=True)
class Problem:
    key: str
    value: Any
    accepted: str
    missing: bool = False

    def __str__(self) -> str:
        if self.missing:
            return f"{PROJECT}:{self.key} is missing; expected {self.accepted}"
        return f"{PROJECT}:{self.key} = {_show(self.value)} is not accepted; expected {self.accepted}"


def _show(value: Any) -> str:
    text = json.dumps(value, ensure_ascii=False)
    return text if len(text) <= 80 else text[:77] + "..."


class Rejected(Exception):
    """A parser's verdict on one value: what would have been accepted."""

    def __init__(self, accepted: str):
        super().__init__(accepted)
        self.accepted = accepted


# --- value parsers: each takes the raw JSON value and returns the typed one or raises Rejected ---

_DNS_LABEL = r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?"
_DNS_LABEL_RE = re.compile(rf"^{_DNS_LABEL}$")
_DNS_SUBDOMAIN_RE = re.compile(rf"^{_DNS_LABEL}(?:\.{_DNS_LABEL})*$")
_HOSTNAME_RE = re.compile(rf"^{_DNS_LABEL}(?:\.{_DNS_LABEL})+$")
_IMAGE_REPOSITORY_RE = re.compile(
    r"^(?:[a-zA-Z0-9](?:[a-zA-Z0-9.-]*[a-zA-Z0-9])?(?::\d+)?/)?"
    r"[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*$"
)
_IMAGE_TAG_RE = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$")
_CHART_VERSION_RE = re.compile(r"^v?\d+\.\d+\.\d+(?:[-+][0-9A-Za-z.-]+)?$")
_URL_RE = re.compile(r"^(?:https?|oci)://[^\s/$.?#][^\s]*$")
_LABEL_KEY_RE = re.compile(
    rf"^(?:{_DNS_LABEL}(?:\.{_DNS_LABEL})*/)?[A-Za-z0-9](?:[A-Za-z0-9_.-]{{0,61}}[A-Za-z0-9])?$"
)
_LABEL_VALUE_RE = re.compile(r"^(?:[A-Za-z0-9](?:[A-Za-z0-9_.-]{0,61}[A-Za-z0-9])?)?$")
_RESOURCE_NAME_RE = re.compile(rf"^{_DNS_LABEL}(?:\.{_DNS_LABEL})+/[a-z0-9](?:[a-z0-9_.-]*[a-z0-9])?$")
_MODEL_RE = re.compile(r"^[a-z0-9][a-z0-9._-]*(?:/[a-z0-9][a-z0-9._-]*)*(?::[A-Za-z0-9_][A-Za-z0-9_.-]*)?$")
_QUANTITY_RE = re.compile(
    r"^(?P<number>\+?(?:\d+(?:\.\d*)?|\.\d+))(?P<suffix>Ki|Mi|Gi|Ti|Pi|Ei|n|u|m|k|M|G|T|P|E|[eE][+-]?\d+)?$"
)
_QUANTITY_FACTORS = {
    "": Decimal(1), "n": Decimal("1e-9"), "u": Decimal("1e-6"), "m": Decimal("1e-3"),
    "k": Decimal(10) ** 3, "M": Decimal(10) ** 6, "G": Decimal(10) ** 9,
    "T": Decimal(10) ** 12, "P": Decimal(10) ** 15, "E": Decimal(10) ** 18,
    "Ki": Decimal(2) ** 10, "Mi": Decimal(2) ** 20, "Gi": Decimal(2) ** 30,
    "Ti": Decimal(2) ** 40, "Pi": Decimal(2) ** 50, "Ei": Decimal(2) ** 60,
}


def _matching(pattern: re.Pattern, accepted: str, max_length: int = 253) -> Callable[[Any], str]:
    def parse(value: Any) -> str:
        if not isinstance(value, str) or len(value) > max_length or not pattern.match(value):
            raise Rejected(accepted)
        return value

    return parse


def one_of(*choices: str) -> Callable[[Any], str]:
    accepted = "one of " + ", ".join(repr(c) for c in choices)

    def parse(value: Any) -> str:
        if value not in choices:
            raise Rejected(accepted)
        return value

    return parse


def whole_number(low: int, high: int) -> Callable[[Any], int]:
    def parse(value: Any) -> int:
        # YAML `true` arrives as a bool, which Python also counts as an int.
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            raise Rejected(f"a whole number from {low} to {high}")
        return value

    return parse


def quantity_value(text: str) -> Decimal:
    """The numeric value of a Kubernetes quantity string; raises ValueError if it is not one."""
    match = _QUANTITY_RE.match(text)
    if not match:
        raise ValueError(text)
    suffix = match.group("suffix") or ""
    try:
        number = Decimal(match.group("number"))
        if suffix[:1] in ("e", "E"):
            return number * (Decimal(10) ** int(suffix[1:]))
        return number * _QUANTITY_FACTORS[suffix]
    except (InvalidOperation, OverflowError, ValueError) as error:
        raise ValueError(text) from error


def _quantity(accepted: str, whole: bool) -> Callable[[Any], str]:
    def parse(value: Any) -> str:
        if not isinstance(value, str) or len(value) > 32:
            raise Rejected(accepted)
        try:
            amount = quantity_value(value)
        except ValueError:
            raise Rejected(accepted) from None
        if amount <= 0 or (whole and amount != amount.to_integral_value()):
            raise Rejected(accepted)
        return value

    return parse


byte_quantity = _quantity("a Kubernetes quantity of bytes such as 100Gi, 512Mi or 500G", whole=True)
cpu_quantity = _quantity("a Kubernetes CPU quantity such as 1000m, 4 or 0.5", whole=False)
namespace_name = _matching(_DNS_LABEL_RE, "a Kubernetes namespace name (lowercase RFC 1123 label, at most 63 characters)", 63)
object_name = _matching(_DNS_SUBDOMAIN_RE, "a Kubernetes object name (lowercase RFC 1123 subdomain)")
hostname = _matching(_HOSTNAME_RE, "a DNS hostname such as ollama.example.com (lowercase letters, digits, '-', at least two labels)")
image_repository = _matching(_IMAGE_REPOSITORY_RE, "an image repository such as ollama/ollama or registry.example.com/team/image")
_image_tag_syntax = _matching(
    _IMAGE_TAG_RE, "a pinned image tag such as 0.17.1 (letters, digits, '_', '.', '-'; not 'latest')", 128
)


def image_tag(value: Any) -> str:
    # `latest` moves under a running pod: a restart can pull a different CUDA build than the node's driver runs.
    if value == "latest":
        raise Rejected("a pinned image tag such as 0.17.1 (letters, digits, '_', '.', '-'; not 'latest')")
    return _image_tag_syntax(value)
chart_version = _matching(_CHART_VERSION_RE, "a chart version such as 1.41.0 or v25.10.1")
repository_url = _matching(_URL_RE, "a chart repository URL (https://, http:// or oci://)")
resource_name = _matching(_RESOURCE_NAME_RE, "an extended resource name such as nvidia.com/gpu")


def driver_line(value: Any) -> str:
    # `pulumi config set --path gpu.driver 580` stores a YAML integer.
    text = str(value) if isinstance(value, int) and not isinstance(value, bool) else value
    if text not in DRIVER_LINES:
        raise Rejected("one of " + ", ".join(repr(d) for d in DRIVER_LINES) + " (the NVIDIA driver branch on the node)")
    return text


def boolean(value: Any) -> bool:
    if not isinstance(value, bool):
        raise Rejected("true or false")
    return value


_DURATION_RE = re.compile(r"^(?:-1|0|(?:\d+(?:\.\d+)?(?:h|m|s|ms))+)$")


def go_duration(value: Any) -> str:
    if not isinstance(value, str) or len(value) > 32 or not _DURATION_RE.match(value):
        raise Rejected("a duration such as 30s, 5m or 1h30m (0 unloads at once, -1 keeps models loaded)")
    return value


# GEP-2257, the Gateway API's Duration (apis/v1/shared_types.go at v1.2.0).
_GATEWAY_DURATION_RE = re.compile(r"^(?:[0-9]{1,5}(?:h|m|s|ms)){1,4}$")
_DURATION_PART_RE = re.compile(r"([0-9]+)(h|ms|m|s)")
_DURATION_MS = {"h": 3_600_000, "m": 60_000, "s": 1000, "ms": 1}


def duration_seconds(text: str) -> Decimal:
    """Seconds in a GEP-2257 duration such as 1h30m or 90s."""
    return Decimal(sum(int(n) * _DURATION_MS[unit] for n, unit in _DURATION_PART_RE.findall(text))) / 1000


def route_timeout(value: Any) -> str:
    # Whole seconds: ingress-nginx's proxy timeouts are seconds, and the same value feeds both.
    accepted = "a Gateway API duration of whole seconds, at least 1s, such as 10m, 1h or 90s"
    if not isinstance(value, str) or not _GATEWAY_DURATION_RE.match(value):
        raise Rejected(accepted)
    seconds = duration_seconds(value)
    if seconds < 1 or seconds != seconds.to_integral_value():
        raise Rejected(accepted)
    return value


def scrape_interval(value: Any) -> str:
    # The dcgm-exporter chart's ServiceMonitor has scrapeTimeout 10s (values.yaml at 4.8.2), and
    # Prometheus refuses a scrape timeout longer than the interval.
    accepted = "a duration of at least 10s such as 15s, 30s or 1m"
    if not isinstance(value, str) or not re.match(r"^[1-9][0-9]{0,4}(?:s|m|h)$", value) or duration_seconds(value) < 10:
        raise Rejected(accepted)
    return value


def _from_value_error(parse: Callable[[Any], Any]) -> Callable[[Any], Any]:
    """A runtime_settings parser as a config parser: its ValueError says what is accepted."""

    def parse_setting(value: Any) -> Any:
        try:
            return parse(value)
        except ValueError as error:
            raise Rejected(str(error)) from None

    return parse_setting


ollama_env = _from_value_error(runtime_settings.ollama_env)
comfyui_args = _from_value_error(runtime_settings.comfyui_args)


def cidr_list(value: Any) -> tuple[str, ...]:
    accepted = "a list of CIDR ranges such as [192.168.1.0/24] (network addresses, no host bits set)"
    if not isinstance(value, list) or len(value) > 64:
        raise Rejected(accepted)
    for item in value:
        try:
            if not isinstance(item, str) or "/" not in item:
                raise ValueError(item)
            ipaddress.ip_network(item, strict=True)
        except ValueError:
            raise Rejected(accepted) from None
    return tuple(value)


def namespace_list(value: Any) -> tuple[str, ...]:
    if not isinstance(value, list) or len(value) > 64:
        raise Rejected("a list of namespace names")
    return tuple(namespace_name(item) for item in value)


annotation_key = _matching(_LABEL_KEY_RE, "an annotation key such as nginx.ingress.kubernetes.io/whitelist-source-range")
http_url = _matching(re.compile(r"^https?://[^\s/$.?#][^\s]*$"), "an http(s) URL such as http://oauth2-proxy.auth.svc/oauth2/auth", 2048)


def absolute_path(value: Any) -> str:
    if not isinstance(value, str) or not value.startswith("/") or value == "/" or "\0" in value or len(value) > 4096:
        raise Rejected("an absolute directory path other than '/', such as /root")
    return value.rstrip("/")


def optional(parse: Callable[[Any], Any]) -> Callable[[Any], Any]:
    """Accepts what ``parse`` accepts, plus the empty string for 'not set'."""

    def parse_optional(value: Any) -> Any:
        return None if value == "" else parse(value)

    return parse_optional


def label_map(value: Any) -> Mapping[str, str]:
    accepted = "a non-empty map of Kubernetes label keys to label values, such as {nvidia.com/gpu.present: 'true'}"
    if not isinstance(value, dict) or not value:
        raise Rejected(accepted)
    for key, item in value.items():
        if not isinstance(key, str) or len(key) > 253 or not _LABEL_KEY_RE.match(key):
            raise Rejected(accepted)
        if not isinstance(item, str) or not _LABEL_VALUE_RE.match(item):
            raise Rejected(accepted + " (values are strings: quote true)")
    return dict(value)


def pod_label_map(value: Any) -> Mapping[str, str]:
    """A label map that may be empty: `{}` means 'not set'."""
    return {} if value == {} else label_map(value)


def model_list(value: Any) -> tuple[str, ...]:
    accepted = "a list of Ollama model names such as [llama3.2, qwen2.5:7b]"
    if not isinstance(value, list) or len(value) > 64:
        raise Rejected(accepted)
    for item in value:
        if not isinstance(item, str) or len(item) > 200 or not _MODEL_RE.match(item):
            raise Rejected(accepted)
    return tuple(value)


# --- the table of every key ---


@dataclass(frozen=True)
class Field:
    section: str
    path: str
    parse: Callable[[Any], Any]
    default: Any
    doc: str
    free_form: bool = False
    """Its value is a map or list whose own keys are data, not config keys."""

    @property
    def key(self) -> str:
        return f"{self.section}.{self.path}"


def _app_fields(section: str, *, namespace: str, image: tuple[str, str], port: int,
                requests: tuple[str, str], limits: tuple[str, str], claim: str,
                upload: tuple[str, str],
                tag_doc: str = "Container image tag (pinned; never `latest`).") -> list[Field]:
    return [
        Field(section, "enabled", boolean, True,
              "Run the app; `false` keeps its namespace, data PVC and route and scales it to 0, freeing its GPU."),
        Field(section, "namespace", namespace_name, namespace, "Namespace the app runs in."),
        Field(section, "image.repository", image_repository, image[0], "Container image repository."),
        # An empty default tag is resolved from the platform (see _platform_values).
        Field(section, "image.tag", image_tag if image[1] else optional(image_tag), image[1], tag_doc),
        Field(section, "hostname", optional(hostname), "", "External hostname; required unless `exposure.kind` is `none`."),
        Field(section, "port", whole_number(1, 65535), port, "Port the app listens on and its Service exposes."),
        Field(section, "replicas", whole_number(0, 100), 1, "Pod replicas while the app is enabled."),
        Field(section, "gpus", whole_number(1, 8), 1, "GPUs each pod asks for (`gpu.resourceName`)."),
        Field(section, "resources.requests.cpu", cpu_quantity, requests[0], "CPU request."),
        Field(section, "resources.requests.memory", byte_quantity, requests[1], "Host memory request."),
        Field(section, "resources.limits.cpu", cpu_quantity, limits[0], "CPU limit."),
        Field(section, "resources.limits.memory", byte_quantity, limits[1], "Host memory limit (VRAM is not counted here)."),
        Field(section, "storage.size", byte_quantity, "100Gi", f"Size of the `{claim}` PVC the program owns (protected, retained)."),
        Field(section, "storage.storageClass", object_name, "longhorn", f"Storage class of the `{claim}` PVC."),
        Field(section, "access.allowedSources", cidr_list, [],
              "Source ranges allowed through the route or ingress.", free_form=True),
        Field(section, "access.forwardAuthUrl", optional(http_url), "",
              "Forward-auth endpoint (oauth2-proxy, Authentik outpost) every request must pass."),
        Field(section, "access.public", boolean, False,
              "Acknowledges exposing the app with neither allowlist nor forward-auth: anyone who reaches the hostname can use it."),
        Field(section, "access.clientNamespaces", namespace_list, [],
              "In-cluster namespaces whose pods may reach the app's port (NetworkPolicy).", free_form=True),
        Field(section, "route.requestTimeout", optional(route_timeout), "10m",
              "Longest request through the route (HTTPRoute `timeouts.request`, ingress read/send timeouts); empty leaves the controller's default."),
        Field(section, "route.maxUploadSize", optional(byte_quantity) if upload[0] == "" else byte_quantity, upload[0], upload[1]),
    ]


FIELDS: tuple[Field, ...] = (
    Field("gpu", "platform", one_of(*PLATFORMS), "talos-1.13",
          "The GPU node's OS release: `talos-1.12` (driver 570/580, device plugin, RuntimeClass `nvidia`) or `talos-1.13` (CDI, drivers 580/595, GPU Operator). Empty keys below marked \"the platform's\" follow it (docs/platforms.md)."),
    Field("gpu", "driver", optional(driver_line), "",
          "NVIDIA driver branch on the node: `570`, `580` or `595`, one the platform ships; empty means the platform's (570 on talos-1.12, 580 on talos-1.13)."),
    Field("gpu", "plugin", optional(one_of(*GPU_PLUGINS)), "",
          "What makes the GPU node usable: `device-plugin` (NVIDIA k8s-device-plugin chart with NFD and GFD, talos-1.12 only), `gpu-operator`, or `none` (managed elsewhere); empty means the platform's (`device-plugin` on talos-1.12, `gpu-operator` on talos-1.13)."),
    Field("gpu", "namespace", optional(namespace_name), "",
          "Namespace of the GPU plumbing (Pod Security `privileged`); empty means `nvidia-device-plugin` or `gpu-operator` by mode."),
    Field("gpu", "runtimeClass", optional(object_name), "",
          "RuntimeClass GPU pods use (declared by the program in `device-plugin` mode, by the operator in `gpu-operator` mode); empty means the platform's: `nvidia` on talos-1.12, none on talos-1.13 (CDI injects the GPU under the default runtime)."),
    Field("gpu", "createRuntimeClass", boolean, True,
          "`device-plugin` mode: declare `runtimeClass` (handler `nvidia`); `false` uses the one the cluster already has "
          "(the Talos guide's hand-made `nvidia`) and never touches it. Other modes never declare one."),
    Field("gpu", "resourceName", resource_name, "nvidia.com/gpu", "Extended resource GPU pods ask for."),
    Field("gpu", "nodeSelector", label_map, {"nvidia.com/gpu.present": "true"},
          "Node labels that pin GPU pods to GPU nodes. `nvidia.com/gpu.present` is written by the program's NFD NodeFeatureRule (`device-plugin`) or the GPU Operator; with `none` the cluster must carry it (see docs/gpu-nodes.md).", free_form=True),
    Field("gpu", "count", whole_number(1, 16), 1, "Physical GPUs on the GPU nodes."),
    Field("gpu", "sharing.strategy", one_of(*SHARING_STRATEGIES), "exclusive",
          "`exclusive`: one pod per GPU. `time-slicing`: the device plugin advertises `sharing.replicas` slices of each GPU (no VRAM isolation)."),
    Field("gpu", "sharing.replicas", optional(whole_number(2, 16)), "",
          "Slices per GPU; required with `time-slicing`, not allowed with `exclusive`."),
    Field("gpu", "devicePlugin.version", chart_version, "0.17.4", "`nvidia-device-plugin` chart version."),
    Field("gpu", "devicePlugin.repository", repository_url, "https://nvidia.github.io/k8s-device-plugin",
          "`nvidia-device-plugin` chart repository."),
    Field("gpu", "gpuOperator.version", optional(chart_version), "",
          "`gpu-operator` chart version; empty means the platform's (`v25.10.1` on talos-1.12, `v26.3.1` on talos-1.13, which needs v26.3.1 or newer)."),
    Field("gpu", "gpuOperator.repository", repository_url, "https://helm.ngc.nvidia.com/nvidia", "`gpu-operator` chart repository."),
    Field("gpu", "metrics.enabled", boolean, False,
          "GPU metrics from DCGM (basic fields only, which GeForce cards support): the dcgm-exporter chart with `device-plugin`, the operator's exporter with `gpu-operator`."),
    Field("gpu", "metrics.serviceMonitor", boolean, False,
          "Also a Prometheus Operator ServiceMonitor for the exporter (needs the monitoring.coreos.com CRDs)."),
    Field("gpu", "metrics.interval", scrape_interval, "15s", "Scrape interval of that ServiceMonitor."),
    Field("gpu", "metrics.dcgmExporter.version", chart_version, "4.8.2",
          "`dcgm-exporter` chart version (`device-plugin` mode; value keys are checked against 4.8.2)."),
    Field("gpu", "metrics.dcgmExporter.repository", repository_url, "https://nvidia.github.io/dcgm-exporter/helm-charts",
          "`dcgm-exporter` chart repository."),
    Field("exposure", "kind", one_of(*EXPOSURE_KINDS), "none",
          "How the apps are reached from outside: `gateway` (HTTPRoute), `ingress`, or `none`."),
    Field("exposure", "scheme", one_of("http", "https"), "http", "Scheme of the exported external URLs (TLS is the Gateway's or Ingress controller's)."),
    Field("exposure", "gateway.name", optional(object_name), "", "Gateway the HTTPRoutes attach to; required when `kind` is `gateway`."),
    Field("exposure", "gateway.namespace", optional(namespace_name), "", "Namespace of that Gateway; required when `kind` is `gateway`."),
    Field("exposure", "gateway.sectionName", optional(object_name), "", "Listener of that Gateway to attach to; empty attaches to every listener that allows it."),
    Field("exposure", "gateway.enforcesAccess", boolean, False,
          "States that the Gateway itself applies the apps' `access` allowlist or forward-auth: an HTTPRoute cannot."),
    Field("exposure", "ingress.className", optional(object_name), "", "IngressClass; required when `kind` is `ingress`."),
    Field("exposure", "ingress.allowlistAnnotation", optional(annotation_key), "nginx.ingress.kubernetes.io/whitelist-source-range",
          "Ingress annotation that carries `access.allowedSources` for this ingress class."),
    Field("exposure", "ingress.forwardAuthAnnotation", optional(annotation_key), "nginx.ingress.kubernetes.io/auth-url",
          "Ingress annotation that carries `access.forwardAuthUrl` for this ingress class."),
    Field("exposure", "ingress.readTimeoutAnnotation", optional(annotation_key), "nginx.ingress.kubernetes.io/proxy-read-timeout",
          "Ingress annotation that carries each app's `route.requestTimeout` in seconds as the read timeout; empty writes none."),
    Field("exposure", "ingress.sendTimeoutAnnotation", optional(annotation_key), "nginx.ingress.kubernetes.io/proxy-send-timeout",
          "Ingress annotation that carries each app's `route.requestTimeout` in seconds as the send timeout; empty writes none."),
    Field("exposure", "ingress.bodySizeAnnotation", optional(annotation_key), "nginx.ingress.kubernetes.io/proxy-body-size",
          "Ingress annotation that carries each app's `route.maxUploadSize` (as `100m`); empty writes none."),
    Field("exposure", "controller.implementation", optional(one_of(*CONTROLLER_IMPLEMENTATIONS)), "",
          "What carries the Gateway's or Ingress's traffic to the pods: `cilium` (its `ingress` identity, let in by a "
          "CiliumNetworkPolicy), `envoy-gateway`, `traefik`, `ingress-nginx` (their proxy pods, by label) or `other` "
          "(`controller.podLabels`); required unless `kind` is `none`."),
    Field("exposure", "controller.podLabels", pod_label_map, {},
          "Labels of the proxy pods let in to the app ports; empty means the implementation's own (docs/network.md); "
          "required with `other`, not allowed with `cilium`.", free_form=True),
    Field("exposure", "controllerNamespace", optional(namespace_name), "",
          "Namespace of the proxy pods the NetworkPolicies let in (unused with `cilium`); empty means `gateway.namespace`."),
    Field("ollama", "chart.version", chart_version, "1.41.0", "otwld `ollama` chart version (value keys are checked against 1.41.0)."),
    Field("ollama", "chart.repository", repository_url, "https://otwld.github.io/ollama-helm/", "otwld `ollama` chart repository."),
    *_app_fields("ollama", namespace="ollama", image=("ollama/ollama", "0.17.1"), port=11434,
                 requests=("1000m", "2Gi"), limits=("4000m", "4Gi"), claim="ollama-models",
                 upload=("100Mi", "Largest request body through the route (ingress body-size annotation): chat requests carry images base64-encoded.")),
    Field("ollama", "models.pull", model_list, [],
          "Models a Job pulls through Ollama's API whenever this list changes (kept on the cache PVC); Ollama never pulls at start.",
          free_form=True),
    Field("ollama", "keepAlive", optional(go_duration), "",
          "`OLLAMA_KEEP_ALIVE`: how long an idle model holds VRAM; empty means 5m with `exclusive`, 1m with `time-slicing`."),
    Field("ollama", "env", ollama_env, {},
          "Ollama server settings by name (`OLLAMA_FLASH_ATTENTION`, `OLLAMA_KV_CACHE_TYPE`, `OLLAMA_CONTEXT_LENGTH`, `OLLAMA_MAX_LOADED_MODELS`, `OLLAMA_NUM_PARALLEL`, `OLLAMA_GPU_OVERHEAD`, `OLLAMA_LOAD_TIMEOUT`, `OLLAMA_MAX_QUEUE`), checked against Ollama 0.17.1.",
          free_form=True),
    *_app_fields("comfyui", namespace="comfyui", image=("yanwk/comfyui-boot", ""), port=8188,
                 requests=("1000m", "4Gi"), limits=("4000m", "8Gi"), claim="comfyui-data",
                 tag_doc="Container image tag (pinned; never `latest`); empty means the tag for `gpu.driver`: "
                         "`cu128-megapak-20260223` on 570, `cu130-megapak-pt211-20260701` on 580 and 595.",
                 upload=("", "Largest upload through the route and ComfyUI's `--max-upload-size`; empty means that flag's value in `extraArgs`, else 100Mi (ComfyUI's default).")),
    Field("comfyui", "disableXformers", optional(boolean), "",
          "Pass `--disable-xformers` to ComfyUI; empty follows the image README's advice: on for the cu128 megapak tags (xFormers fails on Blackwell), off otherwise."),
    Field("comfyui", "dataPath", absolute_path, "/root", "Where the data PVC is mounted: the yanwk images keep ComfyUI, models and outputs under /root."),
    Field("comfyui", "managerSecurityLevel", one_of("strong", "normal", "normal-", "weak"), "normal",
          "ComfyUI-Manager `security_level`, written before every start (the images ship `weak`: install anything from the browser)."),
    Field("comfyui", "extraArgs", comfyui_args, [],
          "ComfyUI flags appended after `--listen 0.0.0.0 --port <port>`, such as `[--reserve-vram, 4]`; checked against ComfyUI's `cli_args.py`.",
          free_form=True),
)


# --- typed configuration handed to the components ---


@dataclass(frozen=True)
class ImageRef:
    repository: str
    tag: str

    @property
    def reference(self) -> str:
        return f"{self.repository}:{self.tag}"


@dataclass(frozen=True)
class ChartRef:
    version: str
    repository: str


@dataclass(frozen=True)
class Resources:
    cpu_request: str
    memory_request: str
    cpu_limit: str
    memory_limit: str

    def requests(self) -> dict[str, str]:
        return {"cpu": self.cpu_request, "memory": self.memory_request}

    def limits(self) -> dict[str, str]:
        return {"cpu": self.cpu_limit, "memory": self.memory_limit}


@dataclass(frozen=True)
class Storage:
    size: str
    storage_class: str


@dataclass(frozen=True)
class GpuMetrics:
    enabled: bool
    service_monitor: bool
    interval: str
    dcgm_exporter_chart: ChartRef


@dataclass(frozen=True)
class GpuConfig:
    platform: str
    driver: str
    plugin: str
    namespace: Optional[str]
    runtime_class: Optional[str]
    """None: GPU pods set no runtimeClassName and CDI injects the GPU under the default runtime."""
    create_runtime_class: bool
    """Whether the program declares the RuntimeClass in device-plugin mode, or uses an existing one."""
    resource_name: str
    node_selector: Mapping[str, str]
    count: int
    sharing_strategy: str
    device_plugin_chart: ChartRef
    gpu_operator_chart: ChartRef
    metrics: GpuMetrics
    slices_per_gpu: int = 1
    """1 when exclusive; the time-slicing replicas otherwise."""
    cdi: bool = False
    """The node's containerd injects GPUs as CDI devices."""
    driver_install_dir: Optional[str] = None
    """The GPU Operator's hostPaths.driverInstallDir; None keeps the chart's default."""

    @property
    def capacity(self) -> int:
        """How many `resource_name: 1` requests the GPU nodes can hold at once."""
        return self.count * self.slices_per_gpu


@dataclass(frozen=True)
class ExposureConfig:
    kind: str
    scheme: str
    gateway_name: Optional[str]
    gateway_namespace: Optional[str]
    gateway_section: Optional[str]
    ingress_class: Optional[str]
    ingress_allowlist_annotation: Optional[str]
    ingress_forward_auth_annotation: Optional[str]
    ingress_read_timeout_annotation: Optional[str]
    ingress_send_timeout_annotation: Optional[str]
    ingress_body_size_annotation: Optional[str]
    controller_namespace: Optional[str]
    """Where the traffic the routes bring in comes from; None when nothing is exposed."""
    controller_implementation: Optional[str]
    """What carries that traffic to the pods (CONTROLLER_IMPLEMENTATIONS); None when nothing is exposed."""
    controller_pod_labels: Mapping[str, str]
    """The proxy pods' labels the stack names; empty means the implementation's own."""


@dataclass(frozen=True)
class Access:
    allowed_sources: tuple[str, ...]
    forward_auth_url: Optional[str]
    public: bool
    client_namespaces: tuple[str, ...]


@dataclass(frozen=True)
class Route:
    request_timeout: Optional[str]
    """GEP-2257 duration, or None to leave the controller's default."""
    max_upload_bytes: int

    @property
    def request_timeout_seconds(self) -> Optional[int]:
        return None if self.request_timeout is None else int(duration_seconds(self.request_timeout))


@dataclass(frozen=True)
class AppConfig:
    enabled: bool
    namespace: str
    image: ImageRef
    hostname: Optional[str]
    port: int
    replicas: int
    gpus: int
    resources: Resources
    storage: Storage
    access: Access
    route: Route

    @property
    def running_replicas(self) -> int:
        """Replicas the cluster runs: none while the app is disabled."""
        return self.replicas if self.enabled else 0

    @property
    def gpu_demand(self) -> int:
        return self.running_replicas * self.gpus


@dataclass(frozen=True)
class OllamaConfig(AppConfig):
    chart: ChartRef
    models_pull: tuple[str, ...]
    keep_alive: str
    env: Mapping[str, str]
    """Ollama's server settings beyond keep-alive, sorted by name."""


@dataclass(frozen=True)
class ComfyUIConfig(AppConfig):
    data_path: str
    manager_security_level: str
    extra_args: tuple[str, ...]
    """ComfyUI flags after --listen/--port; --max-upload-size among them unless it is ComfyUI's default."""
    disable_xformers: bool = False


@dataclass(frozen=True)
class StackConfig:
    gpu: GpuConfig
    exposure: ExposureConfig
    ollama: OllamaConfig
    comfyui: ComfyUIConfig


# --- reading ---

_MISSING = object()


def _lookup(tree: Mapping[str, Any], path: str) -> Any:
    node: Any = tree
    for part in path.split("."):
        if not isinstance(node, dict) or part not in node:
            return _MISSING
        node = node[part]
    return node


def _leaves(node: Any, parts: tuple[str, ...] = ()) -> list[tuple[tuple[str, ...], Any]]:
    """(key parts, value) of each value in a section; an empty map below the top is a value of its own.

    Parts, not dotted strings: a stack may write a key that itself contains a dot.
    """
    if isinstance(node, dict) and (node or not parts):
        return [leaf for key, value in node.items() for leaf in _leaves(value, (*parts, str(key)))]
    return [(parts, node)]


def _section_tree(section: str, raw: Optional[str], problems: list[Problem]) -> dict[str, Any]:
    if raw is None:
        return {}
    try:
        tree = json.loads(raw)
    except (TypeError, ValueError):
        tree = raw
    if not isinstance(tree, dict):
        problems.append(Problem(section, tree, f"an object (a YAML map of {section} settings)"))
        return {}
    return tree


def _check_shape(section: str, tree: dict[str, Any], problems: list[Problem]) -> None:
    """Every key the stack sets must be one the program reads: a typo must not fall back to a default."""
    fields = [(tuple(f.path.split(".")), f) for f in FIELDS if f.section == section]
    for parts, value in _leaves(tree):
        key = f"{section}." + ".".join(parts)
        if any(parts == path or (f.free_form and parts[:len(path)] == path) for path, f in fields):
            continue
        below = [".".join(path[len(parts):]) for path, _ in fields if path[:len(parts)] == parts and len(path) > len(parts)]
        if below:
            if value != {}:
                problems.append(Problem(key, value, "an object with the keys " + ", ".join(below)))
            continue
        problems.append(Problem(key, value, "no such key; known keys are " + ", ".join(f.path for _, f in fields)))


def parse_stack_config(raw: Mapping[str, Optional[str]]) -> StackConfig:
    """Validates the raw config strings (section name -> JSON text, or None when unset).

    Raises ConfigError naming every bad key, its value and what it accepts.
    """
    problems: list[Problem] = []
    values: dict[str, Any] = {}
    for section in SECTIONS:
        tree = _section_tree(section, raw.get(section), problems)
        _check_shape(section, tree, problems)
        for field in (f for f in FIELDS if f.section == section):
            value = _lookup(tree, field.path)
            if value is _MISSING:
                value = field.default
            try:
                values[field.key] = field.parse(value)
            except Rejected as rejected:
                problems.append(Problem(field.key, value, rejected.accepted))

    if not problems:
        _platform_values(values)
        _check_platform(values, problems)
        _check_consistency(values, problems)
    if problems:
        raise ConfigError(problems)
    return _build(values)


def _platform_values(values: dict[str, Any]) -> None:
    """Fills each key left empty that means "the platform's" from gpu.platform (and gpu.driver)."""
    platform = PLATFORM_DEFAULTS[values["gpu.platform"]]
    values["gpu.plugin"] = values["gpu.plugin"] or platform.plugin
    values["gpu.driver"] = values["gpu.driver"] or platform.drivers[0]
    if values["gpu.runtimeClass"] is None:
        values["gpu.runtimeClass"] = platform.runtime_class
    values["gpu.gpuOperator.version"] = values["gpu.gpuOperator.version"] or platform.gpu_operator_version
    values["comfyui.image.tag"] = values["comfyui.image.tag"] or COMFYUI_TAG_FOR_DRIVER[values["gpu.driver"]]
    if values["comfyui.disableXformers"] is None:
        values["comfyui.disableXformers"] = xformers_advice(values["comfyui.image.tag"])


def _check_platform(values: dict[str, Any], problems: list[Problem]) -> None:
    """Refuses the combinations the Talos NVIDIA guides say fail."""
    name = values["gpu.platform"]
    platform = PLATFORM_DEFAULTS[name]
    plugin, driver = values["gpu.plugin"], values["gpu.driver"]
    if driver not in platform.drivers:
        problems.append(Problem("gpu.driver", driver, f"one of {', '.join(repr(d) for d in platform.drivers)}: "
                                f"the driver lines Talos ships for gpu.platform {name!r}"))
    if name == "talos-1.13" and plugin == "device-plugin":
        # siderolabs/docs talos/v1.13 lifecycle-management/upgrading-talos.mdx: uninstall the
        # nvidia-device-plugin chart and delete the `nvidia` RuntimeClass before upgrading.
        problems.append(Problem("gpu.plugin", plugin,
                                "'gpu-operator' or 'none' on talos-1.13: Talos 1.13 switched to CDI, and the device-plugin mode's "
                                "chart and program-declared RuntimeClass `nvidia` must be gone before the upgrade (docs/platforms.md)"))
    minimum = platform.min_gpu_operator_version
    version = values["gpu.gpuOperator.version"]
    if plugin == "gpu-operator" and minimum and version_key(version) < version_key(minimum):
        problems.append(Problem("gpu.gpuOperator.version", version,
                                f"{minimum} or newer on {name}: earlier GPU Operators fail on Talos's version string "
                                "(NVIDIA/gpu-operator issue 2239)"))
    tag = values["comfyui.image.tag"]
    major = cuda_major(tag)
    needed = CUDA_MIN_DRIVER.get(major) if major is not None else None
    if needed and int(driver) < int(needed):
        problems.append(Problem("comfyui.image.tag", tag,
                                f"an image for CUDA {max(m for m, d in CUDA_MIN_DRIVER.items() if int(d) <= int(driver))} "
                                f"such as {COMFYUI_TAG_FOR_DRIVER[driver]!r} while gpu.driver is {driver!r}: "
                                f"CUDA {major} images need driver {needed} or newer"))


def _check_consistency(values: dict[str, Any], problems: list[Problem]) -> None:
    kind = values["exposure.kind"]
    needed = {"gateway": ("exposure.gateway.name", "exposure.gateway.namespace"),
              "ingress": ("exposure.ingress.className",)}.get(kind, ())
    if kind != "none":
        needed += ("ollama.hostname", "comfyui.hostname")
    for key in needed:
        if values[key] is None:
            problems.append(Problem(key, None, f"a value: required when exposure.kind is {kind!r}", missing=True))

    for app in ("ollama", "comfyui"):
        for resource in ("cpu", "memory"):
            request = values[f"{app}.resources.requests.{resource}"]
            limit = values[f"{app}.resources.limits.{resource}"]
            if quantity_value(request) > quantity_value(limit):
                problems.append(Problem(
                    f"{app}.resources.requests.{resource}", request,
                    f"at most the limit {app}.resources.limits.{resource} = {limit!r} (Kubernetes rejects a request above its limit)",
                ))

    strategy, slices = values["gpu.sharing.strategy"], values["gpu.sharing.replicas"]
    if strategy == "time-slicing" and slices is None:
        problems.append(Problem("gpu.sharing.replicas", None, "a whole number from 2 to 16: required when gpu.sharing.strategy is 'time-slicing'", missing=True))
    if strategy == "exclusive" and slices is not None:
        problems.append(Problem("gpu.sharing.replicas", slices, "no value while gpu.sharing.strategy is 'exclusive' (set the strategy to 'time-slicing' to share a GPU)"))

    implementation, pod_labels = values["exposure.controller.implementation"], values["exposure.controller.podLabels"]
    if kind != "none" and implementation is None:
        problems.append(Problem("exposure.controller.implementation", None,
                                f"one of {', '.join(repr(c) for c in CONTROLLER_IMPLEMENTATIONS)}: required when exposure.kind "
                                f"is {kind!r}, so the NetworkPolicies let in what really carries the traffic", missing=True))
    if implementation == "other" and not pod_labels:
        problems.append(Problem("exposure.controller.podLabels", {},
                                "the proxy pods' labels: required when exposure.controller.implementation is 'other'", missing=True))
    if implementation == "cilium" and pod_labels:
        problems.append(Problem("exposure.controller.podLabels", pod_labels,
                                "no value with 'cilium': its proxy is the node's Envoy, reached as the `ingress` identity"))

    if kind == "ingress" and values["exposure.controllerNamespace"] is None:
        problems.append(Problem("exposure.controllerNamespace", None,
                                "the ingress controller's namespace: required when exposure.kind is 'ingress'", missing=True))
    for app in ("ollama", "comfyui"):
        _check_access(app, kind, values, problems)

    _check_runtime_settings(values, problems)
    if values["gpu.metrics.serviceMonitor"] and not values["gpu.metrics.enabled"]:
        problems.append(Problem("gpu.metrics.serviceMonitor", True, "false while gpu.metrics.enabled is false (it monitors the exporter)"))
    if values["gpu.metrics.enabled"] and values["gpu.plugin"] == "none":
        problems.append(Problem("gpu.metrics.enabled", True,
                                "false while gpu.plugin is 'none' (the GPU plumbing, and its exporter, are managed elsewhere)"))

    if values["ollama.namespace"] == values["comfyui.namespace"]:
        problems.append(Problem("comfyui.namespace", values["comfyui.namespace"],
                                "a namespace other than ollama.namespace (each app owns its namespace)"))


# ComfyUI's --max-upload-size is in MB that server.py multiplies by 1024 * 1024, default 100.
MIB = 2**20
COMFYUI_DEFAULT_UPLOAD_BYTES = 100 * MIB


def _comfyui_upload_bytes(values: dict[str, Any]) -> int:
    route = values["comfyui.route.maxUploadSize"]
    flag = runtime_settings.comfyui_flag_value(values["comfyui.extraArgs"], "--max-upload-size")
    if route is not None:
        return int(quantity_value(route))
    if flag is not None:
        return round(Decimal(flag) * MIB)
    return COMFYUI_DEFAULT_UPLOAD_BYTES


def _mebibytes(size: int) -> str:
    return format((Decimal(size) / MIB).normalize(), "f")


def _check_runtime_settings(values: dict[str, Any], problems: list[Problem]) -> None:
    conflict = runtime_settings.ollama_env_conflict(values["ollama.env"])
    if conflict:
        problems.append(Problem("ollama.env", dict(values["ollama.env"]), conflict))
    route = values["comfyui.route.maxUploadSize"]
    flag = runtime_settings.comfyui_flag_value(values["comfyui.extraArgs"], "--max-upload-size")
    if route is not None and flag is not None and round(Decimal(flag) * MIB) != int(quantity_value(route)):
        problems.append(Problem(
            "comfyui.route.maxUploadSize", route,
            f"the size comfyui.extraArgs gives ComfyUI, --max-upload-size {flag} (MB of 1024 x 1024 bytes), "
            f"i.e. {_mebibytes(round(Decimal(flag) * MIB))}Mi; or drop the flag and let the program set it from this value"))


def _check_access(app: str, kind: str, values: dict[str, Any], problems: list[Problem]) -> None:
    """Neither app authenticates anyone: exposing one must be protected or deliberately public."""
    sources, auth, public = (values[f"{app}.access.{k}"] for k in ("allowedSources", "forwardAuthUrl", "public"))
    if public and (sources or auth):
        problems.append(Problem(f"{app}.access.public", True,
                                "false while access.allowedSources or access.forwardAuthUrl protect the app"))
    if kind == "none":
        return
    if not (sources or auth or public):
        problems.append(Problem(
            f"{app}.access", {}, f"access.allowedSources, access.forwardAuthUrl, or access.public: true: {app} has no "
            f"authentication of its own and exposure.kind {kind!r} puts it on {values[f'{app}.hostname']}", missing=True))
    if kind == "gateway" and (sources or auth) and not values["exposure.gateway.enforcesAccess"]:
        problems.append(Problem(
            "exposure.gateway.enforcesAccess", False,
            f"true, once the Gateway itself applies {app}'s access rules: an HTTPRoute has no source or auth filter, "
            "and the program will not pretend it does (see README, Security)"))
    if kind == "ingress":
        for key, annotation in (("allowedSources", "allowlistAnnotation"), ("forwardAuthUrl", "forwardAuthAnnotation")):
            if values[f"{app}.access.{key}"] and values[f"exposure.ingress.{annotation}"] is None:
                problems.append(Problem(f"exposure.ingress.{annotation}", "",
                                        f"the ingress class's annotation that enforces {app}.access.{key}"))


def _app(values: dict[str, Any], app: str) -> dict[str, Any]:
    return dict(
        enabled=values[f"{app}.enabled"],
        namespace=values[f"{app}.namespace"],
        image=ImageRef(values[f"{app}.image.repository"], values[f"{app}.image.tag"]),
        hostname=values[f"{app}.hostname"],
        port=values[f"{app}.port"],
        replicas=values[f"{app}.replicas"],
        gpus=values[f"{app}.gpus"],
        resources=Resources(
            values[f"{app}.resources.requests.cpu"], values[f"{app}.resources.requests.memory"],
            values[f"{app}.resources.limits.cpu"], values[f"{app}.resources.limits.memory"],
        ),
        storage=Storage(values[f"{app}.storage.size"], values[f"{app}.storage.storageClass"]),
        route=Route(
            request_timeout=values[f"{app}.route.requestTimeout"],
            max_upload_bytes=(_comfyui_upload_bytes(values) if app == "comfyui"
                              else int(quantity_value(values[f"{app}.route.maxUploadSize"]))),
        ),
        access=Access(
            allowed_sources=values[f"{app}.access.allowedSources"],
            forward_auth_url=values[f"{app}.access.forwardAuthUrl"],
            public=values[f"{app}.access.public"],
            client_namespaces=values[f"{app}.access.clientNamespaces"],
        ),
    )


def _build(values: dict[str, Any]) -> StackConfig:
    plugin = values["gpu.plugin"]
    strategy = values["gpu.sharing.strategy"]
    kind = values["exposure.kind"]
    return StackConfig(
        gpu=GpuConfig(
            platform=values["gpu.platform"],
            driver=values["gpu.driver"],
            plugin=plugin,
            namespace=values["gpu.namespace"] or DEFAULT_GPU_NAMESPACE[plugin],
            runtime_class=values["gpu.runtimeClass"],
            create_runtime_class=values["gpu.createRuntimeClass"],
            resource_name=values["gpu.resourceName"],
            node_selector=values["gpu.nodeSelector"],
            count=values["gpu.count"],
            sharing_strategy=strategy,
            slices_per_gpu=values["gpu.sharing.replicas"] or 1,
            cdi=PLATFORM_DEFAULTS[values["gpu.platform"]].cdi,
            driver_install_dir=PLATFORM_DEFAULTS[values["gpu.platform"]].driver_install_dir,
            device_plugin_chart=ChartRef(values["gpu.devicePlugin.version"], values["gpu.devicePlugin.repository"]),
            gpu_operator_chart=ChartRef(values["gpu.gpuOperator.version"], values["gpu.gpuOperator.repository"]),
            metrics=GpuMetrics(
                enabled=values["gpu.metrics.enabled"],
                service_monitor=values["gpu.metrics.serviceMonitor"],
                interval=values["gpu.metrics.interval"],
                dcgm_exporter_chart=ChartRef(values["gpu.metrics.dcgmExporter.version"],
                                             values["gpu.metrics.dcgmExporter.repository"]),
            ),
        ),
        exposure=ExposureConfig(
            kind=values["exposure.kind"],
            scheme=values["exposure.scheme"],
            gateway_name=values["exposure.gateway.name"],
            gateway_namespace=values["exposure.gateway.namespace"],
            gateway_section=values["exposure.gateway.sectionName"],
            ingress_class=values["exposure.ingress.className"],
            ingress_allowlist_annotation=values["exposure.ingress.allowlistAnnotation"],
            ingress_forward_auth_annotation=values["exposure.ingress.forwardAuthAnnotation"],
            ingress_read_timeout_annotation=values["exposure.ingress.readTimeoutAnnotation"],
            ingress_send_timeout_annotation=values["exposure.ingress.sendTimeoutAnnotation"],
            ingress_body_size_annotation=values["exposure.ingress.bodySizeAnnotation"],
            controller_namespace=None if kind == "none" else (
                values["exposure.controllerNamespace"] or values["exposure.gateway.namespace"]),
            controller_implementation=None if kind == "none" else values["exposure.controller.implementation"],
            controller_pod_labels=values["exposure.controller.podLabels"],
        ),
        ollama=OllamaConfig(
            **_app(values, "ollama"),
            chart=ChartRef(values["ollama.chart.version"], values["ollama.chart.repository"]),
            models_pull=values["ollama.models.pull"],
            keep_alive=values["ollama.keepAlive"] or DEFAULT_KEEP_ALIVE[strategy],
            env=values["ollama.env"],
        ),
        comfyui=ComfyUIConfig(**_app(values, "comfyui"), data_path=values["comfyui.dataPath"],
                              manager_security_level=values["comfyui.managerSecurityLevel"],
                              disable_xformers=values["comfyui.disableXformers"],
                              extra_args=_comfyui_args_with_upload_size(values)),
    )


def _comfyui_args_with_upload_size(values: dict[str, Any]) -> tuple[str, ...]:
    """The stack's ComfyUI flags, with --max-upload-size from the route's size unless they give it
    or it is ComfyUI's default."""
    args = values["comfyui.extraArgs"]
    size = _comfyui_upload_bytes(values)
    # ComfyUI's own default needs no flag, and leaves CLI_ARGS (and the pod) as they were.
    if "--max-upload-size" in args or size == COMFYUI_DEFAULT_UPLOAD_BYTES:
        return args
    return (*args, "--max-upload-size", _mebibytes(size))


def read_stack_config() -> StackConfig:
    """Reads this stack's ``homelab-ai:*`` sections and validates them."""
    config = pulumi.Config(PROJECT)
    return parse_stack_config({section: config.get(section) for section in SECTIONS})
