"""GpuNodeStack: what makes a Talos GPU node usable by pods, in one of three modes."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Optional

import pulumi
import pulumi_kubernetes as k8s
import yaml

from components.gpu_metrics import dcgm_exporter_release, operator_dcgm_exporter_values
from components.gpu_node_labels import gpu_present_rule
from components.namespaces import namespace_with_pod_security
from stack_config import GpuConfig


def time_slicing(config: GpuConfig) -> dict[str, Any]:
    """The plugin config's `sharing` block; empty when each pod gets a whole GPU."""
    if config.sharing_strategy != "time-slicing":
        return {}
    # Each GPU is advertised as `slices_per_gpu` units of the same resource name, so the apps'
    # `nvidia.com/gpu: 1` requests need no change. Slices share VRAM with no isolation.
    return {"sharing": {"timeSlicing": {"resources": [
        {"name": config.resource_name, "replicas": config.slices_per_gpu},
    ]}}}


def device_plugin_config(config: GpuConfig) -> str:
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
            **time_slicing(config),
        },
        sort_keys=False,
    )


def gpu_operator_values(config: GpuConfig) -> dict[str, Any]:
    values: dict[str, Any] = {
        # Talos ships the driver and the container toolkit as system extensions;
        # the operator must not try to install either.
        "driver": {"enabled": False},
        "toolkit": {"enabled": False},
        "dcgmExporter": operator_dcgm_exporter_values(config),
    }
    if config.runtime_class is not None:
        # The operator creates this RuntimeClass itself (assets/pre-requisites/0200_runtime_class.yaml,
        # named from operator.runtimeClass), so the program declares none.
        values["operator"] = {"runtimeClass": config.runtime_class}
    values.update(cdi_operator_values(config))
    sharing = time_slicing(config)
    if sharing:
        # The operator's chart writes this ConfigMap and points its device plugin at `default`.
        values["devicePlugin"] = {"config": {
            "create": True,
            "name": "device-plugin-config",
            "default": "default",
            "data": {"default": yaml.safe_dump({"version": "v1", **sharing}, sort_keys=False)},
        }}
    return values


def cdi_operator_values(config: GpuConfig) -> dict[str, Any]:
    """The GPU Operator values of a CDI platform (Talos 1.13); none elsewhere.

    siderolabs/docs public/talos/v1.13/configure-your-talos-cluster/hardware-and-drivers/nvidia-gpu.mdx
    installs the operator with driver.enabled=false, toolkit.enabled=false and
    hostPaths.driverInstallDir=/usr/local, where the driver extension puts the driver.
    """
    if not config.cdi:
        return {}
    return {
        "hostPaths": {"driverInstallDir": config.driver_install_dir},
        # The chart's default at v26.3.1 (deployments/gpu-operator/values.yaml), written because
        # GPU pods here set no runtimeClassName: with CDI on, the operator's device plugin lists
        # devices as "cdi-annotations,cdi-cri" and containerd injects them under its default
        # runtime (controllers/object_controls.go, transformDevicePluginCtrForCDI).
        "cdi": {"enabled": True},
    }


# Helm waits (Release `timeout`, default 300 s; customTimeouts do not apply to a helm.v3.Release)
# until the plugin, NFD and GFD DaemonSets, or the operator and its NFD, are ready on every node.
# A first install pulls their images (nvcr.io k8s-device-plugin or gpu-operator, registry.k8s.io
# NFD) over the homelab's uplink before any pod is ready: 15 minutes covers about 1 GB at
# 10 Mbit/s, with room for registry retries, where Helm's default covers a third of that.
PLUMBING_INSTALL_SECONDS = 900


@dataclass
class GpuNodeStackArgs:
    config: GpuConfig
    """Plugin mode, namespace, runtime class, GPU resource name, node selector and chart pins."""


class GpuNodeStack(pulumi.ComponentResource):
    """The GPU plumbing: NVIDIA device plugin (or GPU Operator) and the `nvidia` RuntimeClass."""

    runtime_class_name: Optional[pulumi.Output[str]]
    """RuntimeClass GPU pods must use, resolving once the class exists; None: the default runtime (CDI)."""
    node_selector: dict[str, str]
    """Node labels that pin a pod to a GPU node."""
    gpu_resource_name: str
    """Extended resource a GPU pod asks for, such as nvidia.com/gpu."""
    gpu_tolerations: list[k8s.core.v1.TolerationArgs]
    """What a pod placed on a GPU node sets beside ``node_selector``: GPU nodes are often tainted
    NoSchedule on the GPU resource, the toleration the ollama chart adds with its GPU on."""
    namespace: Optional[pulumi.Output[str]]
    """Namespace of the plugin or operator; None when the plumbing is managed elsewhere."""
    capacity: int
    """How many one-GPU requests the GPU nodes hold at once: GPUs x time-slicing replicas."""

    def __init__(self, name: str, args: GpuNodeStackArgs, opts: Optional[pulumi.ResourceOptions] = None):
        super().__init__("homelab:ai:GpuNodeStack", name, None, opts)
        config = args.config
        child = pulumi.ResourceOptions(parent=self)

        self.node_selector = dict(config.node_selector)
        self.gpu_resource_name = config.resource_name
        self.gpu_tolerations = [
            k8s.core.v1.TolerationArgs(key=config.resource_name, operator="Exists", effect="NoSchedule"),
        ]
        self.capacity = config.capacity
        self.namespace = None
        self.runtime_class_name = (
            None if config.runtime_class is None else pulumi.Output.from_input(config.runtime_class)
        )

        if config.namespace is not None:
            # The plugin mounts host paths and runs privileged (namespace is None only with plugin `none`).
            namespace = namespace_with_pod_security(
                f"{name}-namespace", namespace=config.namespace, enforce="privileged", opts=child
            )
            self.namespace = namespace.metadata.name

        if config.plugin == "device-plugin":
            # A cluster set up by the Talos guide already has the class: creating it again fails
            # with "already exists", so the stack may use it as it is (docs/gpu-nodes.md).
            assert config.runtime_class is not None, "stack_config gives device-plugin mode a runtime class"
            runtime_class_name = pulumi.Output.from_input(config.runtime_class)
            plugin_after: list[pulumi.Resource] = []
            if config.create_runtime_class:
                runtime_class = k8s.node.v1.RuntimeClass(
                    f"{name}-runtime-class",
                    metadata=k8s.meta.v1.ObjectMetaArgs(name=config.runtime_class),
                    # The handler is the containerd runtime the Talos nvidia-container-toolkit
                    # extension registers, always named `nvidia`.
                    handler="nvidia",
                    opts=child,
                )
                runtime_class_name = runtime_class.metadata.name
                plugin_after.append(runtime_class)
            self.runtime_class_name = runtime_class_name
            plugin = k8s.helm.v3.Release(
                f"{name}-device-plugin",
                name="nvidia-device-plugin",
                chart="nvidia-device-plugin",
                version=config.device_plugin_chart.version,
                repository_opts=k8s.helm.v3.RepositoryOptsArgs(repo=config.device_plugin_chart.repository),
                namespace=self.namespace,
                values={
                    "runtimeClassName": runtime_class_name,
                    # NFD finds the card (feature.node.kubernetes.io/pci-10de.present) and GFD
                    # writes nvidia.com/gpu.count, .product and the like; neither writes
                    # nvidia.com/gpu.present, which the rule below does.
                    "nfd": {"enabled": True},
                    "gfd": {"enabled": True},
                    "config": {"map": {"default": device_plugin_config(config)}, "default": "default"},
                },
                timeout=PLUMBING_INSTALL_SECONDS,
                opts=pulumi.ResourceOptions(parent=self, depends_on=plugin_after),
            )
            # The chart installs NFD's CRDs (the subchart's crds/nfd-api-crds.yaml): the rule
            # (cluster-scoped, nfd.k8s-sigs.io/v1alpha1 in NFD 0.15) comes after the release.
            k8s.apiextensions.CustomResource(
                f"{name}-gpu-present-rule",
                api_version="nfd.k8s-sigs.io/v1alpha1",
                kind="NodeFeatureRule",
                metadata=k8s.meta.v1.ObjectMetaArgs(name="homelab-ai-nvidia-gpu-present"),
                spec=gpu_present_rule(),
                opts=pulumi.ResourceOptions(parent=self, depends_on=[plugin]),
            )
            if config.metrics.enabled:
                dcgm_exporter_release(
                    f"{name}-dcgm-exporter", config, namespace=namespace.metadata.name, runtime_class=runtime_class_name,
                    opts=pulumi.ResourceOptions(parent=self, depends_on=plugin_after),
                )
        elif config.plugin == "gpu-operator":
            k8s.helm.v3.Release(
                f"{name}-gpu-operator",
                name="gpu-operator",
                chart="gpu-operator",
                version=config.gpu_operator_chart.version,
                repository_opts=k8s.helm.v3.RepositoryOptsArgs(repo=config.gpu_operator_chart.repository),
                namespace=self.namespace,
                values=gpu_operator_values(config),
                timeout=PLUMBING_INSTALL_SECONDS,
                opts=child,
            )

        self.register_outputs({
            "runtimeClassName": self.runtime_class_name,
            "nodeSelector": self.node_selector,
            "gpuResourceName": self.gpu_resource_name,
            "namespace": self.namespace,
            "capacity": self.capacity,
        })
