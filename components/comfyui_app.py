"""ComfyUIApp: the yanwk ComfyUI image as a GPU Deployment, with a data volume the program owns."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

import pulumi
import pulumi_kubernetes as k8s

from components.exposure import external_url, route_to_service
from components.gpu_node_stack import GpuNodeStack
from components.namespaces import namespace_with_pod_security
from components.storage import protected_claim
from stack_config import ComfyUIConfig, ExposureConfig

APP_NAME = "comfyui"
CLAIM_NAME = "comfyui-data"
# Answers from the in-memory queue: cheap enough to poll, unlike /object_info.
HEALTH_PATH = "/queue"


def _probe(period: int, failures: int) -> k8s.core.v1.ProbeArgs:
    return k8s.core.v1.ProbeArgs(
        http_get=k8s.core.v1.HTTPGetActionArgs(path=HEALTH_PATH, port="http"),
        period_seconds=period,
        timeout_seconds=5,
        failure_threshold=failures,
    )


@dataclass
class ComfyUIAppArgs:
    config: ComfyUIConfig
    """Namespace, image, resources, data storage and mount path, hostname, port, replicas."""
    exposure: ExposureConfig
    """How the web UI is reached from outside the cluster."""
    gpu: GpuNodeStack
    """Runtime class, node selector and GPU resource name come from here, and the app waits for it."""


class ComfyUIApp(pulumi.ComponentResource):
    """ComfyUI's web UI and API: Namespace, protected data PVC, Deployment, Service and route."""

    namespace: pulumi.Output[str]
    """Namespace the app and its data live in."""
    claim_name: pulumi.Output[str]
    """Name of the data PVC the program owns."""
    internal_url: pulumi.Output[str]
    """In-cluster URL of the UI."""
    external_url: Optional[str]
    """URL at the external hostname, or None when the app is not exposed."""

    def __init__(self, name: str, args: ComfyUIAppArgs, opts: Optional[pulumi.ResourceOptions] = None):
        super().__init__("homelab:ai:ComfyUIApp", name, None, opts)
        config = args.config
        gpu = args.gpu
        child = pulumi.ResourceOptions(parent=self)

        namespace = namespace_with_pod_security(
            f"{name}-namespace", namespace=config.namespace, level="baseline", opts=child
        )
        self.namespace = namespace.metadata.name

        data = protected_claim(
            f"{name}-data", claim_name=CLAIM_NAME, namespace=self.namespace, storage=config.storage, opts=child
        )
        self.claim_name = data.metadata.name

        labels = {"app.kubernetes.io/name": APP_NAME, "app.kubernetes.io/part-of": "homelab-ai"}
        k8s.apps.v1.Deployment(
            f"{name}-deployment",
            metadata=k8s.meta.v1.ObjectMetaArgs(name=APP_NAME, namespace=self.namespace, labels=labels),
            spec=k8s.apps.v1.DeploymentSpecArgs(
                replicas=config.running_replicas,
                # A rolling update would start the new pod while the old one holds the GPU;
                # the new pod would wait Pending for a GPU that is never freed.
                strategy=k8s.apps.v1.DeploymentStrategyArgs(type="Recreate"),
                selector=k8s.meta.v1.LabelSelectorArgs(match_labels=labels),
                template=k8s.core.v1.PodTemplateSpecArgs(
                    metadata=k8s.meta.v1.ObjectMetaArgs(labels=labels),
                    spec=k8s.core.v1.PodSpecArgs(
                        runtime_class_name=gpu.runtime_class_name,
                        node_selector=gpu.node_selector,
                        tolerations=[k8s.core.v1.TolerationArgs(
                            key=gpu.gpu_resource_name, operator="Exists", effect="NoSchedule",
                        )],
                        containers=[k8s.core.v1.ContainerArgs(
                            name=APP_NAME,
                            image=config.image.reference,
                            env=[
                                k8s.core.v1.EnvVarArgs(name="NVIDIA_VISIBLE_DEVICES", value="all"),
                                # The image runs `main.py --listen --port 8188 ${CLI_ARGS}`;
                                # argparse keeps the last --port, so this one wins.
                                k8s.core.v1.EnvVarArgs(name="CLI_ARGS", value=f"--listen 0.0.0.0 --port {config.port}"),
                            ],
                            ports=[k8s.core.v1.ContainerPortArgs(name="http", container_port=config.port)],
                            resources=k8s.core.v1.ResourceRequirementsArgs(
                                requests=config.resources.requests(),
                                limits={**config.resources.limits(), gpu.gpu_resource_name: str(config.gpus)},
                            ),
                            # The image declares VOLUME /root, copies ComfyUI to /root/ComfyUI on
                            # first start and writes models, outputs and custom nodes below it.
                            volume_mounts=[k8s.core.v1.VolumeMountArgs(name="data", mount_path=config.data_path)],
                            # The first start copies ComfyUI (several GB in the megapak images)
                            # onto the volume before it serves: allow up to 30 minutes.
                            startup_probe=_probe(period=10, failures=180),
                            readiness_probe=_probe(period=10, failures=3),
                            liveness_probe=_probe(period=20, failures=6),
                        )],
                        volumes=[k8s.core.v1.VolumeArgs(
                            name="data",
                            persistent_volume_claim=k8s.core.v1.PersistentVolumeClaimVolumeSourceArgs(
                                claim_name=self.claim_name,
                            ),
                        )],
                    ),
                ),
            ),
            opts=pulumi.ResourceOptions(parent=self, depends_on=[gpu]),
        )

        service = k8s.core.v1.Service(
            f"{name}-service",
            metadata=k8s.meta.v1.ObjectMetaArgs(name=APP_NAME, namespace=self.namespace, labels=labels),
            spec=k8s.core.v1.ServiceSpecArgs(
                selector=labels,
                ports=[k8s.core.v1.ServicePortArgs(name="http", port=config.port, target_port="http")],
            ),
            opts=child,
        )

        self.internal_url = pulumi.Output.concat(
            "http://", service.metadata.name, ".", self.namespace, ".svc.cluster.local:", str(config.port)
        )
        self.external_url = external_url(args.exposure, config.hostname)
        route_to_service(
            name,
            exposure=args.exposure,
            namespace=self.namespace,
            service_name=service.metadata.name,
            port=config.port,
            hostname=config.hostname,
            opts=child,
        )

        self.register_outputs({
            "namespace": self.namespace,
            "claimName": self.claim_name,
            "internalUrl": self.internal_url,
            "externalUrl": self.external_url,
        })
