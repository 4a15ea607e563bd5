"""GpuNodeStack: what makes a Talos GPU node usable by pods, in one of three modes."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Optional

import pulumi
import pulumi_kubernetes as k8s
import yaml

from components.chart_release import pinned_release
from components.gpu_metrics import PLUMBING_INSTALL_SECONDS, dcgm_exporter_release, operator_dcgm_exporter_values
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


# The plugin chart 0.17.4's own tolerations (values.yaml `tolerations`, which the plugin and GFD
# DaemonSets both render), and its NFD subchart 0.15.3's worker ones (`nfd.worker.tolerations`:
# the control-plane key of old and `nvidia.com/gpu` Equal `present`, which a taint with any other
# value, or none, keeps off the node: then nothing labels it and no GPU pod schedules).
DEVICE_PLUGIN_CHART_TOLERATIONS = [{"key": "CriticalAddonsOnly", "operator": "Exists"},
                                   {"key": "nvidia.com/gpu", "operator": "Exists", "effect": "NoSchedule"}]
NFD_WORKER_OWN_TOLERATIONS = [{"key": "node-role.kubernetes.io/master", "operator": "Equal", "value": "", "effect": "NoSchedule"}]
# The gpu-operator chart's (v25.10.1 to v26.3.3 values.yaml): `daemonsets.tolerations` for every
# operand DaemonSet, and its NFD worker's control-plane toleration beside `nvidia.com/gpu` Exists.
OPERATOR_CHART_TOLERATIONS = [{"key": "nvidia.com/gpu", "operator": "Exists", "effect": "NoSchedule"}]
OPERATOR_NFD_WORKER_OWN_TOLERATIONS = [
    {"key": "node-role.kubernetes.io/control-plane", "operator": "Equal", "value": "", "effect": "NoSchedule"}]


def device_plugin_tolerations(config: GpuConfig) -> dict[str, Any]:
    """The plugin, GFD and NFD worker DaemonSets tolerate what the GPU apps do; Helm replaces lists whole."""
    values: dict[str, Any] = {"nfd": {"worker": {"tolerations": NFD_WORKER_OWN_TOLERATIONS + config.tolerations}}}
    plugin = DEVICE_PLUGIN_CHART_TOLERATIONS[:1] + config.tolerations
    if plugin != DEVICE_PLUGIN_CHART_TOLERATIONS:
        values["tolerations"] = plugin
    return values


def operator_tolerations(config: GpuConfig) -> dict[str, Any]:
    """The operands and the operator's NFD worker tolerate what the GPU apps do, where the chart's do not already."""
    if config.tolerations == OPERATOR_CHART_TOLERATIONS:
        return {}
    return {
        "daemonsets": {"tolerations": config.tolerations},
        "node-feature-discovery": {"worker": {"tolerations": OPERATOR_NFD_WORKER_OWN_TOLERATIONS + config.tolerations}},
    }


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
    values.update(operator_tolerations(config))
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
    # `cdi.enabled` is left at the chart's default (true from v26.3.1, values.yaml), on which GPU pods
    # here rely, setting no runtimeClassName: the operator's device plugin then lists devices as
    # "cdi-annotations,cdi-cri" and containerd injects them under its default runtime
    # (controllers/object_controls.go, transformDevicePluginCtrForCDI). A test holds the default.
    return {"hostPaths": {"driverInstallDir": config.driver_install_dir}}




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
    gpu_tolerations: list[dict[str, str]]
    """What a pod placed on a GPU node sets beside ``node_selector``: the GPU resource's NoSchedule
    taint with any value (the toleration the ollama chart adds with its GPU on), then ``gpu.taints``."""
    def pod_tolerations(self) -> list[k8s.core.v1.TolerationArgs]:
        """``gpu_tolerations`` as a pod spec takes them."""
        return [k8s.core.v1.TolerationArgs(key=t["key"], operator=t["operator"], value=t.get("value"), effect=t.get("effect"))
                for t in self.gpu_tolerations]

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
        self.gpu_tolerations = config.tolerations
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
            plugin = pinned_release(
                f"{name}-device-plugin",
                chart="nvidia-device-plugin",
                pin=config.device_plugin_chart,
                namespace=namespace.metadata.name,
                values={
                    "runtimeClassName": runtime_class_name,
                    # NFD finds the card (feature.node.kubernetes.io/pci-10de.present) and GFD
                    # writes nvidia.com/gpu.count, .product and the like; neither writes
                    # nvidia.com/gpu.present, which the rule below does. gfd.enabled alone turns
                    # NFD on too: Chart.yaml's condition `nfd.enabled,gfd.enabled` takes the first
                    # of the two that is set, and values.yaml sets neither.
                    "gfd": {"enabled": True},
                    **device_plugin_tolerations(config),
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
            pinned_release(
                f"{name}-gpu-operator",
                chart="gpu-operator",
                pin=config.gpu_operator_chart,
                namespace=namespace.metadata.name,
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
