"""GPU metrics from NVIDIA DCGM: the dcgm-exporter chart beside the device plugin, or the GPU Operator's own exporter."""

from __future__ import annotations

from typing import Any

import pulumi
import pulumi_kubernetes as k8s

from components.chart_release import pinned_release
from stack_config import GpuConfig

# Helm waits (Release `timeout`, default 300 s; customTimeouts do not apply to a helm.v3.Release)
# until the plugin, NFD and GFD DaemonSets, or the operator and its NFD, are ready on every node.
# A first install pulls their images (nvcr.io k8s-device-plugin, gpu-operator or dcgm-exporter,
# registry.k8s.io NFD) over the homelab's uplink before any pod is ready: 15 minutes covers about
# 1 GB at 10 Mbit/s, with room for registry retries, where Helm's default covers a third of that.
PLUMBING_INSTALL_SECONDS = 900

# The basic, NVML-backed fields of the exporter's default list (etc/default-counters.csv and the
# chart's templates/metrics-configmap.yaml at 4.8.2), without its DCGM_FI_PROF_* profiling fields:
# GeForce cards have no profiling support, and one unsupported field stops the exporter
# (NVIDIA/dcgm-exporter #404). NVLink, vGPU licence and row-remapping fields are left out too:
# a GeForce card has none of them. The GPU Operator's exporter reads dcp-metrics-included.csv
# unless given a list (assets/state-dcgm-exporter/0800_daemonset.yaml), so both modes get this one.
BASIC_METRICS_CSV = """\
# DCGM field, Prometheus type, help
DCGM_FI_DEV_SM_CLOCK, gauge, SM clock frequency (in MHz).
DCGM_FI_DEV_MEM_CLOCK, gauge, Memory clock frequency (in MHz).
DCGM_FI_DEV_MEMORY_TEMP, gauge, Memory temperature (in C).
DCGM_FI_DEV_GPU_TEMP, gauge, GPU temperature (in C).
DCGM_FI_DEV_POWER_USAGE, gauge, Power draw (in W).
DCGM_FI_DEV_TOTAL_ENERGY_CONSUMPTION, counter, Total energy consumption since boot (in mJ).
DCGM_FI_DEV_PCIE_REPLAY_COUNTER, counter, Total number of PCIe retries.
DCGM_FI_DEV_GPU_UTIL, gauge, GPU utilization (in %).
DCGM_FI_DEV_MEM_COPY_UTIL, gauge, Memory utilization (in %).
DCGM_FI_DEV_ENC_UTIL, gauge, Encoder utilization (in %).
DCGM_FI_DEV_DEC_UTIL, gauge, Decoder utilization (in %).
DCGM_FI_DEV_XID_ERRORS, gauge, Value of the last XID error encountered.
DCGM_FI_DEV_FB_FREE, gauge, Framebuffer memory free (in MiB).
DCGM_FI_DEV_FB_USED, gauge, Framebuffer memory used (in MiB).
DCGM_FI_DEV_FB_RESERVED, gauge, Framebuffer memory reserved (in MiB).
DCGM_FI_DRIVER_VERSION, label, Driver Version
"""

# The GPU Operator mounts this ConfigMap's `dcgm-metrics.csv` and points DCGM_EXPORTER_COLLECTORS at it
# (controllers/object_controls.go at v25.10.1).
OPERATOR_METRICS_CONFIG_MAP = "dcgm-basic-metrics"


def dcgm_exporter_values(config: GpuConfig, *, runtime_class: pulumi.Input[str]) -> dict[str, Any]:
    """Values for the dcgm-exporter chart 4.8.2; every key exists in that version's values.yaml."""
    metrics = config.metrics
    return {
        # The `nvidia` runtime hands the container every GPU because the image sets
        # NVIDIA_VISIBLE_DEVICES=all (docker/Dockerfile at 4.5.3-4.8.2). The chart requests no
        # nvidia.com/gpu (templates/daemonset.yaml), so the exporter takes no slice from the apps.
        "runtimeClassName": runtime_class,
        "nodeSelector": dict(config.node_selector),
        # The chart's own control-plane toleration, plus the taints a GPU node carries.
        "tolerations": [
            {"key": "node-role.kubernetes.io/control-plane", "operator": "Exists", "effect": "NoSchedule"},
            *config.tolerations,
        ],
        # templates/metrics-configmap.yaml writes this list where the chart's default
        # `-f /etc/dcgm-exporter/default-counters.csv` argument reads it.
        "customMetrics": BASIC_METRICS_CSV,
        # The chart adds SYS_ADMIN only for profiling fields (values.yaml); basic fields need none.
        # Helm merges maps but replaces lists, so the empty `add` is what removes it. It stays
        # root: the kubelet's pod-resources socket, which maps GPUs to pods, is root's.
        "securityContext": {
            "runAsNonRoot": False,
            "runAsUser": 0,
            "capabilities": {"add": [], "drop": ["ALL"]},
            "allowPrivilegeEscalation": False,
        },
        # On by default in the chart: without the Prometheus Operator's CRDs the release fails.
        # The interval is read only while it is on (templates/service-monitor.yaml).
        "serviceMonitor": {"interval": metrics.interval} if metrics.service_monitor else {"enabled": False},
    }


def operator_dcgm_exporter_values(config: GpuConfig) -> dict[str, Any]:
    """The gpu-operator chart's `dcgmExporter` block: its exporter on (the chart's default) only when asked."""
    metrics = config.metrics
    if not metrics.enabled:
        return {"enabled": False}
    # `enabled` is the chart's default, and so is its ServiceMonitor's `enabled: false` (values.yaml
    # v25.10.1 to v26.3.3); the interval is read only while the ServiceMonitor is on.
    values: dict[str, Any] = {"config": {"name": OPERATOR_METRICS_CONFIG_MAP, "create": True, "data": BASIC_METRICS_CSV}}
    if metrics.service_monitor:
        values["serviceMonitor"] = {"enabled": True, "interval": metrics.interval}
    return values


def dcgm_exporter_release(
    name: str,
    config: GpuConfig,
    *,
    namespace: pulumi.Input[str],
    runtime_class: pulumi.Input[str],
    opts: pulumi.ResourceOptions,
) -> k8s.helm.v3.Release:
    """The exporter DaemonSet beside the device plugin, in the plugin's privileged namespace (it mounts the kubelet's pod-resources host path)."""
    return pinned_release(
        name,
        chart="dcgm-exporter",
        pin=config.metrics.dcgm_exporter_chart,
        namespace=namespace,
        values=dcgm_exporter_values(config, runtime_class=runtime_class),
        # Like the plugin's, its first install pulls its image before the DaemonSet is ready.
        timeout=PLUMBING_INSTALL_SECONDS,
        opts=opts,
    )
