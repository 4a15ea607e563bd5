"""Good and bad resources for the policy pack, each with the policies it must set off.

A case names the policies that must report a violation (`fires`) and those that must give up with
the SDK's advisory "can't run policy during preview" because they read a value unknown during
preview (`cannot_run`); every other resource policy must stay silent. Manifests start from a GPU
workload that passes every policy, and each case changes one thing.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from pulumi.runtime.rpc import UNKNOWN
from tree_edits import DELETE, changed  # noqa: F401 (the corpus's own vocabulary for its users)

from gpu_policies.names import (  # noqa: F401 (the corpus's vocabulary for its users)
    BACKED_UP_DATA,
    DEFAULT_DENY,
    GPU_CAPACITY,
    GPU_MEMORY_LIMIT,
    GPU_NODE_PINNING,
    GUARDED_ROUTES,
    IMMUTABLE_IMAGES,
    PROTECTED_CLAIMS,
    RECREATE_STRATEGY,
    RUNTIME_CLASS,
    VRAM_FOOTPRINT,
    VRAM_PLAN,
)
from offline_preview.engine import Diagnostic, PolicyEngine

RESOURCE_POLICIES = frozenset({RUNTIME_CLASS, RECREATE_STRATEGY, GPU_NODE_PINNING, GPU_MEMORY_LIMIT, IMMUTABLE_IMAGES})
STACK_POLICIES = frozenset({PROTECTED_CLAIMS, GPU_CAPACITY, GUARDED_ROUTES, DEFAULT_DENY, VRAM_PLAN, VRAM_FOOTPRINT,
                            BACKED_UP_DATA})
DEFAULT_LEVELS = {
    RUNTIME_CLASS: "mandatory",
    RECREATE_STRATEGY: "mandatory",
    GPU_NODE_PINNING: "advisory",
    GPU_MEMORY_LIMIT: "advisory",
    IMMUTABLE_IMAGES: "advisory",
    PROTECTED_CLAIMS: "advisory",
    GPU_CAPACITY: "mandatory",
    GUARDED_ROUTES: "advisory",
    DEFAULT_DENY: "advisory",
    VRAM_PLAN: "mandatory",
    VRAM_FOOTPRINT: "advisory",
    BACKED_UP_DATA: "advisory",
}


class UndeclaredPolicy(ValueError):
    """A test configured a policy the pack does not declare."""


class DeclaredPoliciesOnly(PolicyEngine):
    """The pack's process, refusing configuration for a policy it does not declare.

    The CLI passes such an entry on and the pack ignores it, so a misspelt policy name would
    leave a test checking the defaults while it claims to check a configuration.
    """

    def configure(self, policy_pack_config: Mapping[str, Any]) -> None:
        declared = {policy.name for policy in self.info().policies}
        undeclared = sorted(set(policy_pack_config) - declared - {"all", "environments"})
        if undeclared:
            raise UndeclaredPolicy(f"the pack declares no policy {undeclared}; it declares {sorted(declared)}")
        super().configure(policy_pack_config)


RELEASE = "kubernetes:helm.sh/v3:Release"
PVC = "kubernetes:core/v1:PersistentVolumeClaim"
TYPES = {
    "Pod": "kubernetes:core/v1:Pod",
    "ReplicationController": "kubernetes:core/v1:ReplicationController",
    "Deployment": "kubernetes:apps/v1:Deployment",
    "ReplicaSet": "kubernetes:apps/v1:ReplicaSet",
    "StatefulSet": "kubernetes:apps/v1:StatefulSet",
    "DaemonSet": "kubernetes:apps/v1:DaemonSet",
    "Job": "kubernetes:batch/v1:Job",
    "CronJob": "kubernetes:batch/v1:CronJob",
}
GPU_NODE = {"nvidia.com/gpu.present": "true"}
LABELS = {"app.kubernetes.io/name": "app"}


@dataclass(frozen=True)
class Case:
    id: str
    type: str
    props: Mapping[str, Any]
    fires: frozenset[str] = frozenset()
    cannot_run: frozenset[str] = frozenset()

    @property
    def silent(self) -> frozenset[str]:
        return RESOURCE_POLICIES - self.fires - self.cannot_run

    def check(self, diagnostics: Sequence[Diagnostic], levels: Mapping[str, str]) -> None:
        """Asserts both directions: every policy in `fires` reported at its level, none of `silent` did."""
        report = "\n".join(f"  {d.level} {d.policy}: {d.message}" for d in diagnostics)
        violations = [d for d in diagnostics if not d.cannot_run_in_preview]
        fired = {d.policy for d in violations}
        assert not self.fires - fired, f"{self.id}: expected {sorted(self.fires - fired)} to fire; got\n{report}"
        assert not fired & self.silent, (
            f"{self.id}: expected {sorted(fired & self.silent)} to stay silent; got\n{report}"
        )
        assert {d.policy for d in diagnostics if d.cannot_run_in_preview} == self.cannot_run, report
        assert all(d.level == levels[d.policy] for d in violations), report
        assert all(d.level == "advisory" for d in diagnostics if d.cannot_run_in_preview), report


def container(
    name: str = "app",
    image: str = "registry.example.com/app:1.0",
    gpu: Any = "1",
    resource: str = "nvidia.com/gpu",
    section: str = "limits",
    memory: Any = "8Gi",
) -> dict[str, Any]:
    resources: dict[str, Any] = {"requests": {"cpu": "1"}, "limits": {"cpu": "2"}}
    if memory is not None:
        resources["limits"]["memory"] = memory
    if gpu is not None:
        resources[section][resource] = gpu
    return {"name": name, "image": image, "resources": resources}


def pod_spec(*containers: dict[str, Any], **fields: Any) -> dict[str, Any]:
    """A pod spec that passes every policy; ``fields`` replace or (with DELETE) remove its fields."""
    spec = {"runtimeClassName": "nvidia", "nodeSelector": GPU_NODE, "containers": list(containers) or [container()]}
    for key, value in fields.items():
        spec = changed(spec, key, value)
    return spec


def manifest(kind: str, spec: Any, strategy: Any = "Recreate") -> dict[str, Any]:
    """A ``kind`` object around ``spec``, where Kubernetes keeps the pod spec of that kind."""
    metadata = {"name": "app", "namespace": "apps", "labels": LABELS}
    template = {"metadata": {"labels": LABELS}, "spec": spec}
    if kind == "Pod":
        body: Any = spec
    elif kind == "CronJob":
        body = {"schedule": "0 3 * * *", "jobTemplate": {"spec": {"template": template}}}
    elif kind == "Job":
        body = {"template": template}
    else:
        body = {"selector": {"matchLabels": LABELS}, "template": template}
    if kind == "Deployment" and strategy is not DELETE:
        body["strategy"] = {"type": strategy}
    return {
        "apiVersion": TYPES[kind].split(":")[1].replace("core/", ""),
        "kind": kind,
        "metadata": metadata,
        "spec": body,
    }


def workload(case_id: str, kind: str, spec: Any, *, strategy: Any = "Recreate", **expected: Any) -> Case:
    return Case(case_id, TYPES[kind], manifest(kind, spec, strategy), **_expected(**expected))


def _expected(fires: tuple[str, ...] = (), cannot_run: tuple[str, ...] = ()) -> dict[str, frozenset[str]]:
    return {"fires": frozenset(fires), "cannot_run": frozenset(cannot_run)}


OLLAMA_VALUES: dict[str, Any] = {
    "ollama": {"gpu": {"enabled": True, "type": "nvidia", "number": 1}},
    "image": {"repository": "ollama/ollama", "tag": "0.17.1"},
    "runtimeClassName": "nvidia",
    "nodeSelector": GPU_NODE,
    "resources": {"requests": {"memory": "2Gi"}, "limits": {"memory": "4Gi"}},
    "persistentVolume": {"enabled": True, "existingClaim": "ollama-models"},
}


def release(values: Any = None, chart: str = "ollama", **changes: Any) -> dict[str, Any]:
    """A helm.v3.Release of ``chart``; ``changes`` set dotted paths of ``values`` (DELETE removes)."""
    values = copy.deepcopy(OLLAMA_VALUES) if values is None else values
    for path, value in changes.items():
        values = changed(values, path.replace("__", "."), value)
    return {
        "name": "ollama",
        "chart": chart,
        "version": "1.41.0",
        "namespace": "ollama",
        "repositoryOpts": {"repo": "https://otwld.github.io/ollama-helm/"},
        "values": values,
    }


def chart_case(case_id: str, props: Mapping[str, Any], **expected: Any) -> Case:
    return Case(case_id, RELEASE, props, **_expected(**expected))


CORPUS: list[Case] = [
    # Every workload kind, with and without the runtime class.
    workload("pod-with-gpu-and-nvidia-runtime-class", "Pod", pod_spec()),
    workload("pod-with-gpu-without-runtime-class", "Pod", pod_spec(runtimeClassName=DELETE), fires=(RUNTIME_CLASS,)),
    workload("pod-with-gpu-and-runc-runtime-class", "Pod", pod_spec(runtimeClassName="runc"), fires=(RUNTIME_CLASS,)),
    workload("pod-with-gpu-and-empty-runtime-class", "Pod", pod_spec(runtimeClassName=""), fires=(RUNTIME_CLASS,)),
    workload("deployment-with-recreate", "Deployment", pod_spec()),
    workload(
        "deployment-without-runtime-class", "Deployment", pod_spec(runtimeClassName=DELETE), fires=(RUNTIME_CLASS,)
    ),
    workload(
        "deployment-with-rolling-update", "Deployment", pod_spec(), strategy="RollingUpdate", fires=(RECREATE_STRATEGY,)
    ),
    workload("deployment-without-strategy", "Deployment", pod_spec(), strategy=DELETE, fires=(RECREATE_STRATEGY,)),
    workload(
        "deployment-breaking-both-mandatory-rules",
        "Deployment",
        pod_spec(runtimeClassName=DELETE),
        strategy="RollingUpdate",
        fires=(RUNTIME_CLASS, RECREATE_STRATEGY),
    ),
    workload(
        "replicaset-without-runtime-class", "ReplicaSet", pod_spec(runtimeClassName=DELETE), fires=(RUNTIME_CLASS,)
    ),
    workload(
        "replicationcontroller-without-runtime-class",
        "ReplicationController",
        pod_spec(runtimeClassName=DELETE),
        fires=(RUNTIME_CLASS,),
    ),
    workload("statefulset-with-nvidia-runtime-class", "StatefulSet", pod_spec()),
    workload(
        "statefulset-without-runtime-class", "StatefulSet", pod_spec(runtimeClassName=DELETE), fires=(RUNTIME_CLASS,)
    ),
    workload("daemonset-without-runtime-class", "DaemonSet", pod_spec(runtimeClassName=DELETE), fires=(RUNTIME_CLASS,)),
    workload("job-without-runtime-class", "Job", pod_spec(runtimeClassName=DELETE), fires=(RUNTIME_CLASS,)),
    workload("cronjob-with-nvidia-runtime-class", "CronJob", pod_spec()),
    workload(
        "cronjob-job-template-without-runtime-class",
        "CronJob",
        pod_spec(runtimeClassName=DELETE),
        fires=(RUNTIME_CLASS,),
    ),
    # What counts as asking for a GPU.
    workload(
        "init-container-with-gpu-without-runtime-class",
        "Deployment",
        pod_spec(container(gpu=None), runtimeClassName=DELETE, initContainers=[container("warm-up")]),
        fires=(RUNTIME_CLASS,),
    ),
    workload(
        "gpu-in-requests-only-without-runtime-class",
        "Deployment",
        pod_spec(container(section="requests"), runtimeClassName=DELETE),
        fires=(RUNTIME_CLASS,),
    ),
    workload(
        "gpu-count-as-number-without-runtime-class",
        "Deployment",
        pod_spec(container(gpu=1), runtimeClassName=DELETE),
        fires=(RUNTIME_CLASS,),
    ),
    workload(
        "gpu-count-as-float-without-runtime-class",
        "Deployment",
        pod_spec(container(gpu=2.0), runtimeClassName=DELETE),
        fires=(RUNTIME_CLASS,),
    ),
    workload(
        "gpu-count-as-string-two-with-rolling-update",
        "Deployment",
        pod_spec(container(gpu="2")),
        strategy="RollingUpdate",
        fires=(RECREATE_STRATEGY,),
    ),
    workload(
        "zero-gpus-as-string-is-no-gpu-pod",
        "Deployment",
        pod_spec(container(gpu="0"), runtimeClassName=DELETE),
        strategy="RollingUpdate",
    ),
    workload(
        "zero-gpus-as-number-is-no-gpu-pod",
        "Deployment",
        pod_spec(container(gpu=0), runtimeClassName=DELETE),
        strategy="RollingUpdate",
    ),
    workload("negative-gpus-is-no-gpu-pod", "Pod", pod_spec(container(gpu="-1"), runtimeClassName=DELETE)),
    workload("non-numeric-gpus-is-no-gpu-pod", "Pod", pod_spec(container(gpu="one"), runtimeClassName=DELETE)),
    workload("boolean-gpus-is-no-gpu-pod", "Pod", pod_spec(container(gpu=True), runtimeClassName=DELETE)),
    workload(
        "mig-slice-without-runtime-class",
        "Pod",
        pod_spec(container(resource="nvidia.com/mig-1g.5gb"), runtimeClassName=DELETE),
        fires=(RUNTIME_CLASS,),
    ),
    workload(
        "mig-slice-deployment-with-rolling-update",
        "Deployment",
        pod_spec(container(resource="nvidia.com/mig-1g.5gb")),
        strategy="RollingUpdate",
        fires=(RECREATE_STRATEGY,),
    ),
    workload(
        "other-vendor-gpu-is-not-an-nvidia-gpu",
        "Pod",
        pod_spec(container(resource="amd.com/gpu"), runtimeClassName=DELETE, nodeSelector=DELETE),
    ),
    workload(
        "cpu-pod-without-runtime-class",
        "Pod",
        pod_spec(container(gpu=None, memory=None), runtimeClassName=DELETE, nodeSelector=DELETE),
    ),
    workload(
        "cpu-deployment-with-rolling-update",
        "Deployment",
        pod_spec(container(gpu=None), runtimeClassName=DELETE),
        strategy="RollingUpdate",
    ),
    workload("statefulset-rolling-update-is-not-a-deployment", "StatefulSet", pod_spec()),
    # Node pinning.
    workload("gpu-pod-without-node-selector", "Deployment", pod_spec(nodeSelector=DELETE), fires=(GPU_NODE_PINNING,)),
    workload(
        "gpu-pod-selecting-other-labels",
        "Deployment",
        pod_spec(nodeSelector={"kubernetes.io/os": "linux"}),
        fires=(GPU_NODE_PINNING,),
    ),
    workload(
        "gpu-pod-pinned-by-required-node-affinity",
        "Deployment",
        pod_spec(
            nodeSelector=DELETE,
            affinity={
                "nodeAffinity": {
                    "requiredDuringSchedulingIgnoredDuringExecution": {
                        "nodeSelectorTerms": [
                            {
                                "matchExpressions": [
                                    {"key": "nvidia.com/gpu.present", "operator": "In", "values": ["true"]}
                                ]
                            },
                        ]
                    }
                },
            },
        ),
    ),
    workload(
        "gpu-pod-with-an-affinity-term-that-allows-any-node",
        "Deployment",
        pod_spec(
            nodeSelector=DELETE,
            affinity={
                "nodeAffinity": {
                    "requiredDuringSchedulingIgnoredDuringExecution": {
                        "nodeSelectorTerms": [
                            {"matchExpressions": [{"key": "nvidia.com/gpu.present", "operator": "Exists"}]},
                            {"matchExpressions": [{"key": "kubernetes.io/os", "operator": "In", "values": ["linux"]}]},
                        ]
                    }
                },
            },
        ),
        fires=(GPU_NODE_PINNING,),
    ),
    workload(
        "gpu-pod-with-only-preferred-node-affinity",
        "Deployment",
        pod_spec(
            nodeSelector=DELETE,
            affinity={
                "nodeAffinity": {
                    "preferredDuringSchedulingIgnoredDuringExecution": [
                        {
                            "weight": 1,
                            "preference": {
                                "matchExpressions": [
                                    {"key": "nvidia.com/gpu.present", "operator": "In", "values": ["true"]}
                                ],
                            },
                        }
                    ]
                },
            },
        ),
        fires=(GPU_NODE_PINNING,),
    ),
    # Memory limits.
    workload(
        "gpu-container-without-memory-limit", "Deployment", pod_spec(container(memory=None)), fires=(GPU_MEMORY_LIMIT,)
    ),
    workload(
        "gpu-init-container-without-memory-limit",
        "Job",
        pod_spec(container(gpu=None), initContainers=[container("warm-up", memory=None)]),
        fires=(GPU_MEMORY_LIMIT,),
    ),
    workload(
        "cpu-sidecar-without-memory-limit-beside-gpu-container",
        "Deployment",
        pod_spec(container(), container("proxy", gpu=None, memory=None)),
    ),
    workload("memory-limit-unknown-during-preview-is-still-a-limit", "Deployment", pod_spec(container(memory=UNKNOWN))),
    # Image tags.
    workload(
        "image-on-latest", "Deployment", pod_spec(container(image="ollama/ollama:latest")), fires=(IMMUTABLE_IMAGES,)
    ),
    workload("image-without-tag", "Deployment", pod_spec(container(image="ollama/ollama")), fires=(IMMUTABLE_IMAGES,)),
    workload(
        "image-from-registry-with-port-without-tag",
        "Pod",
        pod_spec(container(image="registry.lan:5000/team/app")),
        fires=(IMMUTABLE_IMAGES,),
    ),
    workload(
        "image-from-registry-with-port-and-tag", "Pod", pod_spec(container(image="registry.lan:5000/team/app:2.1"))
    ),
    workload("image-pinned-by-digest", "Pod", pod_spec(container(image="ollama/ollama@sha256:" + "0" * 64))),
    workload(
        "cpu-container-on-latest",
        "Pod",
        pod_spec(container(gpu=None, image="busybox:latest"), runtimeClassName=DELETE, nodeSelector=DELETE),
        fires=(IMMUTABLE_IMAGES,),
    ),
    workload(
        "init-container-on-latest",
        "Pod",
        pod_spec(initContainers=[container("fetch", gpu=None, image="curl:latest")]),
        fires=(IMMUTABLE_IMAGES,),
    ),
    # The otwld ollama chart, read from its values.
    chart_case("ollama-release-with-gpu-and-nvidia-runtime-class", release()),
    chart_case("ollama-release-with-gpu-and-empty-runtime-class", release(runtimeClassName=""), fires=(RUNTIME_CLASS,)),
    chart_case(
        "ollama-release-with-gpu-without-runtime-class", release(runtimeClassName=DELETE), fires=(RUNTIME_CLASS,)
    ),
    chart_case(
        "ollama-release-with-rolling-update", release(updateStrategy__type="RollingUpdate"), fires=(RECREATE_STRATEGY,)
    ),
    chart_case("ollama-release-with-explicit-recreate", release(updateStrategy__type="Recreate")),
    chart_case("ollama-release-with-the-charts-default-strategy", release(updateStrategy=DELETE)),
    chart_case(
        "ollama-release-with-empty-strategy-type-renders-none",
        release(updateStrategy__type=""),
        fires=(RECREATE_STRATEGY,),
    ),
    chart_case(
        "ollama-release-with-zero-gpus-still-asks-for-one",
        release(ollama__gpu__number=0, runtimeClassName=""),
        fires=(RUNTIME_CLASS,),
    ),
    chart_case(
        "ollama-release-with-gpu-disabled",
        release(
            ollama__gpu__enabled=False,
            runtimeClassName=DELETE,
            nodeSelector=DELETE,
            updateStrategy__type="RollingUpdate",
        ),
    ),
    chart_case("ollama-release-without-values", {"chart": "ollama", "namespace": "ollama"}),
    chart_case(
        "ollama-release-with-mig-resource",
        release(ollama__gpu__nvidiaResource="nvidia.com/mig-1g.10gb", runtimeClassName=""),
        fires=(RUNTIME_CLASS,),
    ),
    chart_case(
        "ollama-release-from-repository-alias",
        release(chart="otwld/ollama", runtimeClassName=""),
        fires=(RUNTIME_CLASS,),
    ),
    chart_case(
        "ollama-release-from-oci-reference",
        release(chart="oci://registry.example.com/charts/ollama", runtimeClassName=""),
        fires=(RUNTIME_CLASS,),
    ),
    chart_case("ollama-release-without-node-selector", release(nodeSelector=DELETE), fires=(GPU_NODE_PINNING,)),
    chart_case("ollama-release-without-memory-limit", release(resources=DELETE), fires=(GPU_MEMORY_LIMIT,)),
    chart_case("ollama-release-on-latest", release(image__tag="latest"), fires=(IMMUTABLE_IMAGES,)),
    chart_case("ollama-release-on-the-charts-app-version", release(image__tag="")),
    chart_case(
        "release-of-another-chart",
        release(
            {"runtimeClassName": "", "ollama": {"gpu": {"enabled": True}}, "image": {"tag": "latest"}},
            chart="nvidia-device-plugin",
        ),
    ),
    # Malformed resources: nothing to report, and no exception.
    Case("pod-without-spec", TYPES["Pod"], {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "app"}}),
    Case("pod-with-null-spec", TYPES["Pod"], {"kind": "Pod", "spec": None}),
    Case("deployment-with-string-spec", TYPES["Deployment"], {"kind": "Deployment", "spec": "oops"}),
    Case("deployment-with-null-template", TYPES["Deployment"], {"kind": "Deployment", "spec": {"template": None}}),
    Case("cronjob-with-null-job-template", TYPES["CronJob"], {"kind": "CronJob", "spec": {"jobTemplate": None}}),
    Case("empty-properties", TYPES["Deployment"], {}),
    workload("null-containers", "Pod", pod_spec(containers=None, runtimeClassName=DELETE)),
    workload("containers-as-a-string", "Pod", pod_spec(containers="app", runtimeClassName=DELETE)),
    workload("containers-as-a-map", "Pod", pod_spec(containers={"name": "app"}, runtimeClassName=DELETE)),
    workload("container-as-a-string", "Pod", pod_spec(containers=["app"], runtimeClassName=DELETE)),
    workload(
        "resources-as-a-list",
        "Pod",
        pod_spec(containers=[{"name": "app", "resources": ["nvidia.com/gpu"]}], runtimeClassName=DELETE),
    ),
    workload(
        "limits-as-a-number",
        "Pod",
        pod_spec(containers=[{"name": "app", "resources": {"limits": 1}}], runtimeClassName=DELETE),
    ),
    workload(
        "limits-as-null",
        "Pod",
        pod_spec(containers=[{"name": "app", "resources": {"limits": None}}], runtimeClassName=DELETE),
    ),
    workload("runtime-class-as-a-number", "Pod", pod_spec(runtimeClassName=5)),
    Case(
        "strategy-as-a-string",
        TYPES["Deployment"],
        changed(manifest("Deployment", pod_spec()), "spec.strategy", "RollingUpdate"),
    ),
    workload("node-selector-as-a-list", "Pod", pod_spec(nodeSelector=["nvidia.com/gpu.present"])),
    workload("affinity-as-a-string", "Pod", pod_spec(nodeSelector=DELETE, affinity="gpu")),
    workload("image-as-a-number", "Pod", pod_spec(container(image=5))),  # type: ignore[arg-type]  # the wrong type is the case
    chart_case("release-with-string-values", {"chart": "ollama", "values": "gpu: on"}),
    chart_case("release-with-list-for-ollama-values", release({"ollama": ["gpu"], "runtimeClassName": ""})),
    chart_case("release-with-numeric-chart", {"chart": 7, "values": OLLAMA_VALUES}),
    # Values unknown during preview: never a mandatory violation, only the SDK's advisory.
    workload(
        "runtime-class-unknown-during-preview",
        "Deployment",
        pod_spec(runtimeClassName=UNKNOWN),
        cannot_run=(RUNTIME_CLASS,),
    ),
    workload(
        "gpu-limit-unknown-during-preview",
        "Deployment",
        pod_spec(container(gpu=UNKNOWN)),
        cannot_run=(RUNTIME_CLASS, RECREATE_STRATEGY, GPU_NODE_PINNING, GPU_MEMORY_LIMIT),
    ),
    workload(
        "strategy-unknown-during-preview", "Deployment", pod_spec(), strategy=UNKNOWN, cannot_run=(RECREATE_STRATEGY,)
    ),
    workload(
        "image-unknown-during-preview", "Deployment", pod_spec(container(image=UNKNOWN)), cannot_run=(IMMUTABLE_IMAGES,)
    ),
    workload(
        "runtime-class-unknown-on-a-cpu-pod-is-never-read",
        "Deployment",
        pod_spec(container(gpu=None), runtimeClassName=UNKNOWN),
    ),
    chart_case(
        "ollama-release-runtime-class-unknown-during-preview",
        release(runtimeClassName=UNKNOWN),
        cannot_run=(RUNTIME_CLASS,),
    ),
    chart_case("ollama-release-claim-unknown-during-preview", release(persistentVolume__existingClaim=UNKNOWN)),
]


# --- the stack policy: cases are whole stacks ---


@dataclass(frozen=True)
class StackResourceCase:
    type: str
    name: str
    props: Mapping[str, Any]
    protect: bool = False


@dataclass(frozen=True)
class StackCase:
    id: str
    resources: tuple[StackResourceCase, ...]
    fires_on: frozenset[str] = frozenset()
    """Names of the resources the stack policy must report; it must report no other."""
    cannot_run: bool = False


def claim(name: str, namespace: Any = "apps", protect: bool = False) -> StackResourceCase:
    metadata = {"name": name} if namespace is None else {"name": name, "namespace": namespace}
    props = {
        "apiVersion": "v1",
        "kind": "PersistentVolumeClaim",
        "metadata": metadata,
        "spec": {"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "100Gi"}}},
    }
    return StackResourceCase(PVC, name, props, protect)


def gpu_deployment(name: str = "comfyui", namespace: Any = "apps", gpu: Any = "1") -> StackResourceCase:
    props = manifest("Deployment", pod_spec(container(gpu=gpu)))
    props = (
        changed(props, "metadata.namespace", namespace)
        if namespace is not None
        else changed(props, "metadata.namespace")
    )
    return StackResourceCase(TYPES["Deployment"], name, props)


def ollama(name: str = "ollama-release", **changes: Any) -> StackResourceCase:
    return StackResourceCase(RELEASE, name, release(**changes))


STACK_CORPUS: list[StackCase] = [
    StackCase("protected-claim-beside-gpu-deployment", (gpu_deployment(), claim("data", protect=True))),
    StackCase("unprotected-claim-beside-gpu-deployment", (gpu_deployment(), claim("data")), frozenset({"data"})),
    StackCase("unprotected-claim-in-another-namespace", (gpu_deployment(), claim("data", namespace="other"))),
    StackCase("unprotected-claim-beside-cpu-deployment", (gpu_deployment(gpu=None), claim("data"))),
    StackCase(
        "unprotected-claims-in-the-default-namespace",
        (gpu_deployment(namespace=None), claim("data", namespace=None)),
        frozenset({"data"}),
    ),
    StackCase(
        "ollama-release-with-protected-existing-claim", (ollama(), claim("ollama-models", "ollama", protect=True))
    ),
    StackCase(
        "ollama-release-with-unprotected-existing-claim",
        (ollama(), claim("ollama-models", "ollama")),
        frozenset({"ollama-models"}),
    ),
    StackCase(
        "ollama-release-letting-the-chart-create-its-claim",
        (ollama(persistentVolume__existingClaim=""),),
        frozenset({"ollama-release"}),
    ),
    StackCase("ollama-release-without-persistence", (ollama(persistentVolume__enabled=False),)),
    StackCase(
        "ollama-release-with-gpu-disabled-and-chart-claim",
        (ollama(ollama__gpu__enabled=False, persistentVolume__existingClaim=""), claim("x", "ollama")),
    ),
    StackCase(
        "claim-namespace-unknown-during-preview", (gpu_deployment(), claim("data", namespace=UNKNOWN)), cannot_run=True
    ),
]


def apart_from_unbacked_comfyui(diagnostics: Sequence[Diagnostic]) -> list[Diagnostic]:
    """The diagnostics of a stack that backs nothing up, after the one advisory that must say so: ComfyUI's
    claim holds what cannot be downloaded again (docs/data-safety.md)."""
    unbacked = [d for d in diagnostics if d.policy == BACKED_UP_DATA]
    assert [(d.level, d.urn.rsplit("::", 1)[-1]) for d in unbacked] == [("advisory", "comfyui-data")], unbacked
    assert "writes to PersistentVolumeClaim 'comfyui-data' in namespace 'comfyui'" in unbacked[0].message
    return [d for d in diagnostics if d.policy != BACKED_UP_DATA]
