"""GpuNodeStack: what makes a Talos GPU node usable by pods, in one of three modes."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

import pulumi
import pulumi_kubernetes as k8s
import yaml

from components.namespaces import namespace_with_pod_security
from stack_config import GpuConfig


def device_plugin_config() -> str:
    """The k8s-device-plugin config file (api v1) the chart mounts into the plugin.

    Pinned to what runs on the Talos node (driver 570 and the toolkit system extension):
    devices found through NVML and handed to containers through NVIDIA_VISIBLE_DEVICES,
    which the `nvidia` runtime handler reads.
    """
    return yaml.safe_dump(
        {
            "version": "v1",
            "flags": {
                "migStrategy": "none",
                "deviceDiscoveryStrategy": "nvml",
                "plugin": {"deviceListStrategy": "envvar"},
            },
        },
        sort_keys=False,
    )


@dataclass
class GpuNodeStackArgs:
    config: GpuConfig
    """Plugin mode, namespace, runtime class, GPU resource name, node selector and chart pins."""


class GpuNodeStack(pulumi.ComponentResource):
    """The GPU plumbing: NVIDIA device plugin (or GPU Operator) and the `nvidia` RuntimeClass."""

    runtime_class_name: pulumi.Output[str]
    """RuntimeClass GPU pods must use; resolves once the class exists."""
    node_selector: dict[str, str]
    """Node labels that pin a pod to a GPU node."""
    gpu_resource_name: str
    """Extended resource a GPU pod asks for, such as nvidia.com/gpu."""
    namespace: Optional[pulumi.Output[str]]
    """Namespace of the plugin or operator; None when the plumbing is managed elsewhere."""

    def __init__(self, name: str, args: GpuNodeStackArgs, opts: Optional[pulumi.ResourceOptions] = None):
        super().__init__("homelab:ai:GpuNodeStack", name, None, opts)
        config = args.config
        child = pulumi.ResourceOptions(parent=self)

        self.node_selector = dict(config.node_selector)
        self.gpu_resource_name = config.resource_name
        self.namespace = None
        self.runtime_class_name = pulumi.Output.from_input(config.runtime_class)

        if config.plugin != "none":
            # The plugin mounts host paths and runs privileged.
            namespace = namespace_with_pod_security(
                f"{name}-namespace", namespace=config.namespace, level="privileged", opts=child
            )
            self.namespace = namespace.metadata.name

        if config.plugin == "device-plugin":
            runtime_class = k8s.node.v1.RuntimeClass(
                f"{name}-runtime-class",
                metadata=k8s.meta.v1.ObjectMetaArgs(name=config.runtime_class),
                # The handler is the containerd runtime the Talos nvidia-container-toolkit
                # extension registers, always named `nvidia`.
                handler="nvidia",
                opts=child,
            )
            self.runtime_class_name = runtime_class.metadata.name
            k8s.helm.v3.Release(
                f"{name}-device-plugin",
                name="nvidia-device-plugin",
                chart="nvidia-device-plugin",
                version=config.device_plugin_chart.version,
                repository_opts=k8s.helm.v3.RepositoryOptsArgs(repo=config.device_plugin_chart.repository),
                namespace=self.namespace,
                values={
                    "runtimeClassName": self.runtime_class_name,
                    # NFD finds the card; GFD writes the nvidia.com/gpu.* labels the apps select on.
                    "nfd": {"enabled": True},
                    "gfd": {"enabled": True},
                    "config": {"map": {"default": device_plugin_config()}, "default": "default"},
                },
                opts=pulumi.ResourceOptions(parent=self, depends_on=[runtime_class]),
            )
        elif config.plugin == "gpu-operator":
            k8s.helm.v3.Release(
                f"{name}-gpu-operator",
                name="gpu-operator",
                chart="gpu-operator",
                version=config.gpu_operator_chart.version,
                repository_opts=k8s.helm.v3.RepositoryOptsArgs(repo=config.gpu_operator_chart.repository),
                namespace=self.namespace,
                values={
                    # Talos ships the driver and the container toolkit as system extensions;
                    # the operator must not try to install either.
                    "driver": {"enabled": False},
                    "toolkit": {"enabled": False},
                    # The operator creates this RuntimeClass itself, so the program declares none.
                    "operator": {"runtimeClass": config.runtime_class},
                },
                opts=child,
            )

        self.register_outputs({
            "runtimeClassName": self.runtime_class_name,
            "nodeSelector": self.node_selector,
            "gpuResourceName": self.gpu_resource_name,
            "namespace": self.namespace,
        })
