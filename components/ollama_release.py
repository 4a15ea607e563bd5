"""OllamaRelease: the otwld `ollama` chart on the GPU node, with a model cache the program owns."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Optional, Sequence

import pulumi
import pulumi_kubernetes as k8s

from components.exposure import expose_app
from components.gpu_node_stack import GpuNodeStack
from components.namespaces import app_namespace
from components.network_policies import AppEndpoint, Peer
from components.storage import protected_claim
from stack_config import ExposureConfig, OllamaConfig

# The Service is named after the release (the chart's fullname when the release name
# contains the chart name), so the in-cluster URL stays ollama.ollama.svc.cluster.local.
RELEASE_NAME = "ollama"
CLAIM_NAME = "ollama-models"
# The chart's selector labels for this release: what the NetworkPolicy lets traffic in to.
POD_LABELS = {"app.kubernetes.io/name": "ollama", "app.kubernetes.io/instance": RELEASE_NAME}
# Ollama runs as root in its image and writes only below /root/.ollama: it needs no capability,
# no privilege escalation and no Kubernetes API token.
CONTAINER_SECURITY = {"allowPrivilegeEscalation": False, "capabilities": {"drop": ["ALL"]}}
POD_SECURITY = {"seccompProfile": {"type": "RuntimeDefault"}}


def chart_values(
    config: OllamaConfig,
    *,
    runtime_class: pulumi.Input[str],
    node_selector: dict[str, str],
    gpu_resource_name: str,
    claim_name: pulumi.Input[str],
) -> dict[str, Any]:
    """Values for chart 1.41.0; every key here exists in that version's values.yaml."""
    return {
        "replicaCount": config.running_replicas,
        "image": {"repository": config.image.repository, "tag": config.image.tag},
        "ollama": {
            "port": config.port,
            # The chart adds the GPU limit and the nvidia.com/gpu toleration itself when this is
            # on; putting nvidia.com/gpu in resources.limits as well would be a second source.
            "gpu": {
                "enabled": True,
                "type": "nvidia",
                "number": config.gpus,
                "nvidiaResource": gpu_resource_name,
            },
            # `clean` deletes every cached model not listed here: never with a cache we keep.
            "models": {"pull": list(config.models_pull), "run": list(config.models_run), "clean": False},
        },
        "runtimeClassName": runtime_class,
        "nodeSelector": dict(node_selector),
        # The chart's default too, written down because a rolling update would start a second
        # pod that waits for the GPU the first one holds.
        "updateStrategy": {"type": "Recreate"},
        "resources": {"requests": config.resources.requests(), "limits": config.resources.limits()},
        # The chart sets OLLAMA_HOST itself; a second entry would be a duplicate env var that
        # server-side apply rejects. It never sets NVIDIA_VISIBLE_DEVICES.
        "extraEnv": [
            {"name": "NVIDIA_VISIBLE_DEVICES", "value": "all"},
            {"name": "OLLAMA_KEEP_ALIVE", "value": config.keep_alive},
        ],
        # `persistentVolume`, not the `persistence` key the seed used, which 1.41.0 ignores.
        # With existingClaim the chart creates no PVC, so `helm uninstall` cannot delete it.
        "persistentVolume": {"enabled": True, "existingClaim": claim_name},
        "service": {"port": config.port},
        "serviceAccount": {"automount": False},
        "securityContext": CONTAINER_SECURITY,
        "podSecurityContext": POD_SECURITY,
    }


@dataclass
class OllamaReleaseArgs:
    config: OllamaConfig
    """Namespace, chart pin, image, resources, cache storage, models, hostname, replicas."""
    exposure: ExposureConfig
    """How the API is reached from outside the cluster."""
    gpu: GpuNodeStack
    """Runtime class, node selector and GPU resource name come from here, and the release waits for it."""
    reaches: Sequence[AppEndpoint] = ()
    """Other apps that let Ollama's namespace in: its egress fence lets it out to them."""


def ollama_endpoint(config: OllamaConfig) -> AppEndpoint:
    return AppEndpoint(Peer(config.namespace, POD_LABELS), config.port, config.access.client_namespaces)


class OllamaRelease(pulumi.ComponentResource):
    """Ollama's LLM API: a Helm release of the otwld chart and its protected model cache."""

    namespace: pulumi.Output[str]
    """Namespace the release and its cache live in."""
    claim_name: pulumi.Output[str]
    """Name of the model-cache PVC the program owns."""
    internal_url: pulumi.Output[str]
    """In-cluster URL of the API."""
    external_url: Optional[str]
    """URL at the external hostname, or None when the app is not exposed."""

    def __init__(self, name: str, args: OllamaReleaseArgs, opts: Optional[pulumi.ResourceOptions] = None):
        super().__init__("homelab:ai:OllamaRelease", name, None, opts)
        config = args.config
        child = pulumi.ResourceOptions(parent=self)

        namespace = app_namespace(f"{name}-namespace", namespace=config.namespace, opts=child)
        self.namespace = namespace.metadata.name

        cache = protected_claim(
            f"{name}-models", claim_name=CLAIM_NAME, namespace=self.namespace, storage=config.storage, opts=child
        )
        self.claim_name = cache.metadata.name

        release = k8s.helm.v3.Release(
            f"{name}-release",
            name=RELEASE_NAME,
            chart="ollama",
            version=config.chart.version,
            repository_opts=k8s.helm.v3.RepositoryOptsArgs(repo=config.chart.repository),
            namespace=self.namespace,
            values=chart_values(
                config,
                runtime_class=args.gpu.runtime_class_name,
                node_selector=args.gpu.node_selector,
                gpu_resource_name=args.gpu.gpu_resource_name,
                claim_name=self.claim_name,
            ),
            # The first start pulls a multi-GB image and the configured models before it is ready.
            timeout=1200,
            opts=pulumi.ResourceOptions(parent=self, depends_on=[args.gpu]),
        )

        service_name = release.name
        self.internal_url, self.external_url = expose_app(
            name, app=config, exposure=args.exposure, namespace=self.namespace, service_name=service_name,
            pod_labels=POD_LABELS, reaches=args.reaches, opts=child,
        )

        self.register_outputs({
            "namespace": self.namespace,
            "claimName": self.claim_name,
            "internalUrl": self.internal_url,
            "externalUrl": self.external_url,
        })
