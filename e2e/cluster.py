"""A Kubernetes control plane with no containers: kwok's binary runtime, on loopback, with a GPU node.

kwokctl runs etcd, kube-apiserver, kube-controller-manager, kube-scheduler and kwok's controller as
local processes; the nodes are kwok's, whose pods are marked Running (and a Job's pods Succeeded)
once the real scheduler binds them. The harness also plays what the missing parts of a homelab
would do: NFD's labels on the GPU node, the device plugin's `nvidia.com/gpu` capacity, the
Gateway controller's `Accepted` status, and the volumes Longhorn would provision.
"""

from __future__ import annotations

import json
import os
import subprocess
import threading
import time
from pathlib import Path
from typing import Any, Optional

import yaml

CRDS = Path(__file__).resolve().parent / "crds"
GPU_NODE = "gpu-node"
CPU_NODE = "cpu-node"
# The labels NFD and GFD write on an NVIDIA node (the platform table's GPU node labels) and the
# one the program's NodeFeatureRule adds: the harness writes them as those controllers would.
GPU_NODE_LABEL_VALUES = {
    "nvidia.com/gpu.present": "true",
    "feature.node.kubernetes.io/pci-10de.present": "true",
    "nvidia.com/gpu.count": "1",
    "nvidia.com/gpu.product": "NVIDIA-GeForce-RTX-5070-Ti",
}
KWOK_CONFIG = """\
kind: KwokctlConfiguration
apiVersion: config.kwok.x-k8s.io/v1alpha1
options:
  bindAddress: 127.0.0.1
"""


class Cluster:
    def __init__(self, bin_dir: Path, workdir: Path, name: str = "homelab-ai-e2e"):
        self.bin_dir, self.workdir, self.name = bin_dir, workdir, name
        self.kubeconfig = workdir / "kubeconfig"
        self._gateway: Optional[threading.Thread] = None
        self._gateway_on = threading.Event()
        self._stopping = threading.Event()

    # The control plane

    def _kwokctl(self, *args: str) -> None:
        env = {**os.environ, "KWOK_WORKDIR": str(self.workdir / "kwok"), "KWOK_KUBE_VERSION": self.kube_version()}
        subprocess.run([str(self.bin_dir / "kwokctl"), "--name", self.name, *args], env=env, check=True,
                       capture_output=True, text=True, timeout=300)

    def kube_version(self) -> str:
        out = subprocess.run([str(self.bin_dir / "kube-apiserver"), "--version"], capture_output=True, text=True, check=True)
        return out.stdout.split()[-1]

    def start(self) -> None:
        config = self.workdir / "kwok.yaml"
        config.write_text(KWOK_CONFIG)
        b = self.bin_dir
        self._kwokctl("create", "cluster", "--runtime", "binary", "--config", str(config), "--kubeconfig", str(self.kubeconfig),
                      "--kube-apiserver-binary", str(b / "kube-apiserver"),
                      "--kube-controller-manager-binary", str(b / "kube-controller-manager"),
                      "--kube-scheduler-binary", str(b / "kube-scheduler"), "--kwok-controller-binary", str(b / "kwok"),
                      "--etcd-binary", str(b / "etcd"), "--wait", "2m")
        for crd in sorted(CRDS.glob("*.yaml")):
            self.kubectl("apply", "-f", str(crd))
        self.kubectl("wait", "--for=condition=Established", "crd", "--all", "--timeout=60s")

    def stop(self) -> None:
        self._stopping.set()
        if self._gateway:
            self._gateway.join(timeout=10)
        self._kwokctl("delete", "cluster")

    def kubectl(self, *args: str, input: Optional[str] = None, check: bool = True) -> str:
        result = subprocess.run([str(self.bin_dir / "kubectl"), "--kubeconfig", str(self.kubeconfig), *args],
                                input=input, capture_output=True, text=True, timeout=120)
        if check and result.returncode != 0:
            raise RuntimeError(f"kubectl {' '.join(args)}: {result.stderr}")
        return result.stdout

    def apply(self, *objects: dict[str, Any]) -> None:
        self.kubectl("apply", "-f", "-", input=yaml.safe_dump_all(objects))

    def get(self, kind: str, name: str = "", namespace: str = "") -> Any:
        args = ["get", kind, *([name] if name else []), "-o", "json"]
        args += ["-n", namespace] if namespace else ["-A"] if not name else []
        found = json.loads(self.kubectl(*args))
        return found if name else found["items"]

    def exists(self, kind: str, name: str, namespace: str = "") -> bool:
        args = ["get", kind, name, "--ignore-not-found", "-o", "name", *(["-n", namespace] if namespace else [])]
        return bool(self.kubectl(*args).strip())

    # What the homelab's other parts would do

    def add_nodes(self, gpu_capacity: int) -> None:
        """One GPU node, tainted the way GPU nodes are, and one CPU node, as kwok nodes."""
        def node(name: str, labels: dict[str, str], capacity: dict[str, str], taints: list[dict[str, str]]) -> dict[str, Any]:
            return {"apiVersion": "v1", "kind": "Node",
                    "metadata": {"name": name, "annotations": {"kwok.x-k8s.io/node": "fake"},
                                 "labels": {"kubernetes.io/hostname": name, "type": "kwok", **labels}},
                    "spec": {"taints": taints},
                    "status": {"capacity": capacity, "allocatable": capacity}}
        base = {"cpu": "16", "memory": "64Gi", "pods": "110"}
        self.apply(node(GPU_NODE, GPU_NODE_LABEL_VALUES, {**base, "nvidia.com/gpu": str(gpu_capacity)},
                        [{"key": "nvidia.com/gpu", "effect": "NoSchedule"}]),
                   node(CPU_NODE, {}, base, []))
        self.set_gpu_capacity(gpu_capacity)

    def set_gpu_capacity(self, slices: int) -> None:
        """What the device plugin advertises: GPUs x time-slices of `nvidia.com/gpu`."""
        patch = {"status": {"capacity": {"nvidia.com/gpu": str(slices)}, "allocatable": {"nvidia.com/gpu": str(slices)}}}
        self.kubectl("patch", "node", GPU_NODE, "--subresource=status", "--type=merge", "-p", json.dumps(patch))

    def add_storage(self, claims: list[tuple[str, str]], storage_class: str = "longhorn") -> None:
        """A Longhorn StorageClass and one volume of it for each (namespace, claim): nothing provisions here."""
        objects: list[dict[str, Any]] = [{
            "apiVersion": "storage.k8s.io/v1", "kind": "StorageClass", "metadata": {"name": storage_class},
            "provisioner": "driver.longhorn.io", "reclaimPolicy": "Delete", "volumeBindingMode": "Immediate"}]
        for namespace, claim in claims:
            objects.append({
                "apiVersion": "v1", "kind": "PersistentVolume", "metadata": {"name": f"{namespace}-{claim}-{storage_class}"},
                "spec": {"capacity": {"storage": "100Gi"}, "accessModes": ["ReadWriteOnce"], "storageClassName": storage_class,
                         "persistentVolumeReclaimPolicy": "Retain", "hostPath": {"path": f"/var/lib/longhorn/{claim}"},
                         "claimRef": {"namespace": namespace, "name": claim}}})
        self.apply(*objects)

    def play_gateway_controller(self, on: bool = True) -> None:
        """Accept every HTTPRoute, for its current generation, as the Gateway's controller would."""
        if on:
            self._gateway_on.set()
        else:
            self._gateway_on.clear()
        if self._gateway is None:
            self._gateway = threading.Thread(target=self._accept_routes, daemon=True)
            self._gateway.start()

    def _accept_routes(self) -> None:
        while not self._stopping.is_set():
            if self._gateway_on.is_set():
                try:
                    for route in self.get("httproutes.gateway.networking.k8s.io"):
                        self._accept(route)
                except RuntimeError:
                    pass
            time.sleep(0.5)

    def _accept(self, route: dict[str, Any]) -> None:
        generation = route["metadata"].get("generation", 1)
        parents = route.get("status", {}).get("parents", [])
        if parents and all(c.get("observedGeneration") == generation for p in parents for c in p.get("conditions", [])):
            return
        status = {"parents": [{
            "parentRef": ref, "controllerName": "io.cilium/gateway-controller",
            "conditions": [{"type": "Accepted", "status": "True", "reason": "Accepted", "message": "Accepted HTTPRoute",
                            "observedGeneration": generation, "lastTransitionTime": "2026-01-01T00:00:00Z"}],
        } for ref in route["spec"]["parentRefs"]]}
        self.kubectl("patch", "httproute", route["metadata"]["name"], "-n", route["metadata"]["namespace"],
                     "--subresource=status", "--type=merge", "-p", json.dumps({"status": status}), check=False)

    def uid(self, kind: str, name: str, namespace: str = "") -> str:
        return self.get(kind, name, namespace)["metadata"]["uid"]

