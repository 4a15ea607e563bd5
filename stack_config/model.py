"""The typed configuration handed to the components: what a component author reads.

Every field is filled from one row of ``schema.FIELDS`` (its ``attr``), already validated,
with the defaults that depend on a mode already applied.
"""

from __future__ import annotations

import dataclasses
import ipaddress
from dataclasses import dataclass
from typing import Mapping, Optional

from stack_config.quantities import quantity_bytes
from stack_config.values import duration_seconds
from stack_config.vocabulary import (
    ControllerImplementation,
    DriverLine,
    ExposureKind,
    GpuPlugin,
    ManagerSecurityLevel,
    PlatformName,
    Scheme,
    SharingStrategy,
)
from stack_config.vram_plan import comfyui_plan_args, ollama_plan_env


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
    platform: PlatformName
    driver: DriverLine
    plugin: GpuPlugin
    namespace: Optional[str]
    """Where the plugin or operator runs; None exactly when ``plugin`` is `none`."""
    runtime_class: Optional[str]
    """None: GPU pods set no runtimeClassName and CDI injects the GPU under the default runtime."""
    create_runtime_class: bool
    """Whether the program declares the RuntimeClass in device-plugin mode, or uses an existing one."""
    resource_name: str
    node_selector: Mapping[str, str]
    count: int
    sharing_strategy: SharingStrategy
    sharing_replicas: Optional[int]
    """The time-slicing replicas as the stack sets them; None with `exclusive`."""
    device_plugin_chart: ChartRef
    gpu_operator_chart: ChartRef
    metrics: GpuMetrics
    taints: tuple[tuple[str, Optional[str], str], ...]
    """Taints the GPU nodes carry besides the GPU resource's own: (key, value or None, effect)."""
    cdi: bool
    """The node's containerd injects GPUs as CDI devices (the platform's)."""
    driver_install_dir: Optional[str]
    """The GPU Operator's hostPaths.driverInstallDir (the platform's); None keeps the chart's default."""
    memory: Optional[str]
    """Memory of each GPU, a quantity of bytes; None when the stack does not say (no VRAM plan)."""
    vram_slack: str
    """VRAM a plan leaves to no app's budget."""
    vram_budgets: Mapping[str, int]
    """The VRAM plan: each budgeted app that holds a GPU, by section, and its budget in bytes; empty without a plan."""

    @property
    def tolerations(self) -> list[dict[str, str]]:
        """What every pod and DaemonSet on a GPU node tolerates: the GPU resource's NoSchedule taint
        with any value (how the GPU Operator and GPU-node guides taint such nodes), and each of ``taints``."""
        tolerations = [{"key": self.resource_name, "operator": "Exists", "effect": "NoSchedule"}]
        for key, value, effect in self.taints:
            tolerations.append({"key": key, "operator": "Equal", "value": value, "effect": effect} if value is not None
                               else {"key": key, "operator": "Exists", "effect": effect})
        return tolerations

    @property
    def memory_bytes(self) -> Optional[int]:
        return None if self.memory is None else quantity_bytes(self.memory)

    @property
    def vram_slack_bytes(self) -> int:
        return quantity_bytes(self.vram_slack)

    @property
    def slices_per_gpu(self) -> int:
        """1 when exclusive; the time-slicing replicas otherwise."""
        return self.sharing_replicas or 1

    @property
    def capacity(self) -> int:
        """How many `resource_name: 1` requests the GPU nodes can hold at once."""
        return self.count * self.slices_per_gpu


@dataclass(frozen=True)
class ExposureConfig:
    kind: ExposureKind
    scheme: Scheme
    gateway_name: Optional[str]
    gateway_namespace: Optional[str]
    gateway_section: Optional[str]
    gateway_enforces_access: bool
    ingress_class: Optional[str]
    ingress_allowlist_annotation: Optional[str]
    ingress_forward_auth_annotation: Optional[str]
    ingress_read_timeout_annotation: Optional[str]
    ingress_send_timeout_annotation: Optional[str]
    ingress_body_size_annotation: Optional[str]
    ingress_publishes_address: bool
    """The ingress controller writes an address into each Ingress's status (pulumi-kubernetes waits for it)."""
    ingress_preserves_client_address: bool
    """The ingress controller sees clients' own addresses, so a source allowlist means what it says."""
    controller_namespace: Optional[str]
    """Where the traffic the routes bring in comes from; None when nothing is exposed."""
    controller_implementation: Optional[ControllerImplementation]
    """What carries that traffic to the pods; None when nothing is exposed."""
    controller_pod_labels: Mapping[str, str]
    """The proxy pods' labels the stack names; empty means the implementation's own."""


@dataclass(frozen=True)
class Access:
    allowed_sources: tuple[str, ...]
    forward_auth_url: Optional[str]
    public: bool
    client_namespaces: tuple[str, ...]

    @property
    def allows_every_address(self) -> bool:
        """The allowlist admits the whole IPv4 or the whole IPv6 internet (0.0.0.0/0, ::/0, or ranges adding up to one)."""
        networks = [ipaddress.ip_network(source) for source in self.allowed_sources]
        v4 = [n for n in networks if isinstance(n, ipaddress.IPv4Network)]
        v6 = [n for n in networks if isinstance(n, ipaddress.IPv6Network)]
        return (list(ipaddress.collapse_addresses(v4)) == [ipaddress.IPv4Network("0.0.0.0/0")]
                or list(ipaddress.collapse_addresses(v6)) == [ipaddress.IPv6Network("::/0")])

    @property
    def protected(self) -> bool:
        """Something other than the app stands between it and whoever reaches its hostname."""
        return bool(self.forward_auth_url) or (bool(self.allowed_sources) and not self.allows_every_address)


@dataclass(frozen=True)
class Route:
    request_timeout: Optional[str]
    """GEP-2257 duration, or None to leave the controller's default."""
    max_upload_size: str
    """Largest request body, a quantity of bytes (ComfyUI's from its --max-upload-size unless set)."""

    @property
    def request_timeout_seconds(self) -> Optional[int]:
        return None if self.request_timeout is None else int(duration_seconds(self.request_timeout))

    @property
    def max_upload_bytes(self) -> int:
        return quantity_bytes(self.max_upload_size)


@dataclass(frozen=True)
class Backup:
    schedule: Optional[str]
    """Longhorn's cron schedule; None backs up nothing."""
    task: str
    """`backup` (to the backup target) or `snapshot` (on the volume only)."""
    retain: int

    @property
    def enabled(self) -> bool:
        return self.schedule is not None


@dataclass(frozen=True)
class BackupsConfig:
    target: Optional[str]
    """Longhorn's backup target URL, as the stack states it; None when it states none."""
    longhorn_namespace: str


@dataclass(frozen=True)
class AppConfig:
    installed: bool
    """The stack deploys the app at all; an app not installed registers nothing."""
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
        return self.replicas if self.enabled and self.installed else 0

    @property
    def own_login_guards(self) -> bool:
        """The app's own login keeps strangers out of it (Ollama and ComfyUI have none)."""
        return False

    @property
    def unguarded_because(self) -> str:
        """Why, unprotected, anyone who reaches the app can use it."""
        return "has no authentication of its own"

    @property
    def gpu_demand(self) -> int:
        return self.running_replicas * self.gpus

    @property
    def vram_budget(self) -> Optional[str]:
        """The app's share of the card under a VRAM plan; None for an app without a budget."""
        return None

    @property
    def data_backup(self) -> Optional[Backup]:
        """How the data volume is backed up; None for an app whose volume holds only what can be downloaded again."""
        return None


@dataclass(frozen=True)
class OllamaVram:
    budget: Optional[str]
    """Ollama's share of the card, a quantity of bytes; None when the stack has no VRAM plan."""
    models: int
    parallel: int
    context_length: int
    cache_per_token: str
    keep_free: Optional[int]
    """Bytes Ollama keeps free beyond what ComfyUI holds (vram_plan.unbudgeted_bytes); None without a budget."""


@dataclass(frozen=True)
class OllamaConfig(AppConfig):
    chart: ChartRef
    models_pull: tuple[str, ...]
    keep_alive: str
    env: Mapping[str, str]
    """Ollama's server settings as the stack writes them in `ollama.env`, sorted by name."""
    vram: OllamaVram

    @property
    def vram_budget(self) -> Optional[str]:
        return self.vram.budget

    @property
    def server_env(self) -> Mapping[str, str]:
        """Every setting the server gets beside OLLAMA_KEEP_ALIVE: `ollama.env` and, under a plan, the plan's, by name."""
        plan = {} if self.vram.keep_free is None else ollama_plan_env(
            self.vram.keep_free, self.vram.models, self.vram.parallel, self.vram.context_length)
        return {name: value for name, value in sorted({**self.env, **plan}.items())}


@dataclass(frozen=True)
class ComfyUIVram:
    budget: Optional[str]
    """ComfyUI's share of the card, a quantity of bytes; None when the stack has no VRAM plan."""
    loader: Optional[str]
    """The loader generation of the ComfyUI on the volume (vram_plan.LOADERS); None when no one can tell."""
    keep_free: Optional[int]
    """Bytes ComfyUI keeps free beyond what Ollama holds; None without a budget."""


@dataclass(frozen=True)
class ComfyUIConfig(AppConfig):
    data_path: str
    manager_security_level: ManagerSecurityLevel
    extra_args: tuple[str, ...]
    """ComfyUI flags after --listen/--port as the stack writes them; --max-upload-size among them unless it is ComfyUI's default."""
    disable_xformers: bool
    vram: ComfyUIVram
    backup: Backup

    @property
    def data_backup(self) -> Optional[Backup]:
        return self.backup

    @property
    def vram_budget(self) -> Optional[str]:
        return self.vram.budget

    @property
    def plan_args(self) -> tuple[str, ...]:
        """The flag the VRAM plan adds; none without a budget."""
        if self.vram.keep_free is None or self.vram.loader is None:
            return ()
        return comfyui_plan_args(self.vram.keep_free, self.vram.loader)


@dataclass(frozen=True)
class ImageGeneration:
    enabled: bool
    """Open WebUI hands image prompts to the stack's ComfyUI."""
    model: str
    """The checkpoint file ComfyUI loads (models/checkpoints/), IMAGE_GENERATION_MODEL."""
    size: str
    steps: int


@dataclass(frozen=True)
class OpenWebUIConfig(AppConfig):
    chart: ChartRef
    admin_email: Optional[str]
    admin_password: Optional[str]
    """A secret of the stack: the admin account Open WebUI creates at its first start."""
    secret_key: Optional[str]
    """A secret of the stack: WEBUI_SECRET_KEY, which signs every session."""
    enable_signup: bool
    trusted_email_header: Optional[str]
    """The forward-auth proxy's header naming the signed-in user; None signs users in with passwords."""
    offline: bool
    images: ImageGeneration
    backup: Backup

    @property
    def data_backup(self) -> Optional[Backup]:
        return self.backup

    @property
    def own_login_guards(self) -> bool:
        # An admin is created from the stack's secret before the first request is served, so with
        # sign-up off nobody else can make an account; a trusted header hands sign-in to the proxy.
        return not self.enable_signup and self.trusted_email_header is None

    @property
    def unguarded_because(self) -> str:
        if self.trusted_email_header is not None:
            return "signs in whoever its trustedEmailHeader names"
        return "lets anyone who reaches it make an account (enableSignup)"


@dataclass(frozen=True)
class StackConfig:
    """One attribute per config section; each app's section is an AppConfig (components/registry.py lists the apps)."""

    gpu: GpuConfig
    exposure: ExposureConfig
    ollama: OllamaConfig
    comfyui: ComfyUIConfig
    openwebui: OpenWebUIConfig
    backups: BackupsConfig

    @property
    def apps(self) -> dict[str, AppConfig]:
        """Every app's config, by its section, in the order of the sections."""
        return {f.name: value for f in dataclasses.fields(self) if isinstance(value := getattr(self, f.name), AppConfig)}

    @property
    def installed_apps(self) -> dict[str, AppConfig]:
        """The apps the stack deploys, by section."""
        return {name: app for name, app in self.apps.items() if app.installed}
