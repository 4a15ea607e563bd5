"""OllamaRelease: the otwld `ollama` chart on the GPU node, with a model cache the program owns."""

from __future__ import annotations

import hashlib
import json
from typing import Any, Optional

import pulumi
import pulumi_kubernetes as k8s

from components.app import App, AppArgs, vram_annotations
from components.chart_release import pinned_release
from components.gpu_node_stack import GpuNodeStack
from components.network_policies import AppEndpoint, Peer, allow_egress_to
from components.pod_security import CONTAINER_SECURITY, POD_SECURITY, container_security, pod_security
from gpu_policies.names import VRAM_CACHE_ANNOTATION
from stack_config import OllamaConfig, quantity_bytes

# The Service is named after the release (the chart's fullname when the release name
# contains the chart name), so the in-cluster URL stays ollama.ollama.svc.cluster.local.
RELEASE_NAME = "ollama"
CLAIM_NAME = "ollama-models"
# The chart's selector labels for this release: what the NetworkPolicy lets traffic in to.
POD_LABELS = {"app.kubernetes.io/name": "ollama", "app.kubernetes.io/instance": RELEASE_NAME}

# The model-pull Job's pods: let in to Ollama's port and out to it, and nothing like the
# server's own labels.
MODEL_PULL_LABELS = {"app.kubernetes.io/name": "ollama-model-pull", "app.kubernetes.io/part-of": "homelab-ai"}
# `ollama pull` is the API client: it POSTs /api/pull to OLLAMA_HOST and prints the server's
# progress. The release is ready before the Job starts; the retries cover the Service catching up
# with the pod. A failed pull ends the log with the model's name and the end of its output: the
# container's FallbackToLogsOnError makes the log's end its termination message, which is what
# pulumi-kubernetes prints for a failed Job's pod (provider/pkg/await/checker/pod/check.go).
MODEL_PULL_SCRIPT = r"""set -eu
tries=0
until ollama list > /dev/null 2>&1; do
  tries=$((tries + 1))
  [ "$tries" -lt 30 ] || { echo "model pull: no Ollama server answers at $OLLAMA_HOST" >&2; exit 1; }
  sleep 5
done
for model in "$@"; do
  echo "pulling $model"
  if ! ollama pull "$model" > /tmp/pull.log 2>&1; then
    echo "model pull: ollama pull $model failed:" >&2
    tail -c 2000 /tmp/pull.log | tr '\r' '\n' | grep -v '^ *$' | tail -n 5 >&2
    exit 1
  fi
  echo "pulled $model"
done
"""
# Each model gets an hour: a multi-GB model over a home uplink. The Job's deadline covers the
# whole list, and Pulumi waits a little longer than the Job may run (pulumi-kubernetes awaits a
# Job until Complete or Failed, 10 minutes by default: provider/pkg/await/job.go).
MODEL_PULL_SECONDS_PER_MODEL = 3600
MODEL_PULL_AWAIT_MARGIN_SECONDS = 300
# A failed Job never runs again, and its name (below) stays the same until the list changes: the
# provider's Diff replaces a Job carrying this annotation whenever the live Job is not Complete
# (provider/pkg/provider/provider.go, metadata.ReplaceUnready; in every provider from v4.20.0, the
# floor of requirements.txt), so the next `pulumi up` pulls again once the cause is gone.
REPLACE_UNREADY = {"pulumi.com/replaceUnready": "true"}


def model_pull_deadline_seconds(config: OllamaConfig) -> int:
    return MODEL_PULL_SECONDS_PER_MODEL * len(config.models_pull)


def model_pull_timeout(config: OllamaConfig) -> str:
    return f"{(model_pull_deadline_seconds(config) + MODEL_PULL_AWAIT_MARGIN_SECONDS) // 60}m"


def model_pull_job_name(config: OllamaConfig) -> str:
    """Named after what its pod template pulls, with which image: a new list is a new Job.

    A Job's pod template is immutable (pulumi-kubernetes replaces a Job on any change to
    `.spec.template`: provider/pkg/provider/diff.go), and a completed Job never runs again.
    """
    digest = hashlib.sha256(json.dumps(
        {"models": list(config.models_pull), "image": config.image.reference, "port": config.port}, sort_keys=True,
    ).encode()).hexdigest()
    return f"ollama-model-pull-{digest[:10]}"


def chart_values(
    config: OllamaConfig,
    *,
    runtime_class: Optional[pulumi.Input[str]],
    node_selector: dict[str, str],
    gpu_resource_name: str,
    gpu_tolerations: list[dict[str, str]],
    claim_name: pulumi.Input[str],
) -> dict[str, Any]:
    """Values for chart 1.41.0; every key here exists in that version's values.yaml."""
    # With its GPU on, the chart tolerates `<nvidiaResource>` Exists NoSchedule itself, then
    # appends `tolerations` (templates/deployment.yaml): only the node's other taints go there.
    own_toleration = {"key": gpu_resource_name, "operator": "Exists", "effect": "NoSchedule"}
    other_tolerations = [t for t in gpu_tolerations if t != own_toleration]
    return {
        "replicaCount": config.running_replicas,
        "image": {"repository": config.image.repository, "tag": config.image.tag},
        "ollama": {
            "port": config.port,
            # The chart adds the GPU limit and the nvidia.com/gpu toleration itself when this is
            # on; putting nvidia.com/gpu in resources.limits as well would be a second source. Off
            # (`gpus: 0`), it renders neither (templates/deployment.yaml at 1.41.0, both under
            # `if .Values.ollama.gpu.enabled`; rendered with helm template).
            "gpu": {
                "enabled": config.gpus > 0,
                "type": "nvidia",
                "number": config.gpus,
                "nvidiaResource": gpu_resource_name,
            },
            # Empty lists render no postStart hook (templates/deployment.yaml: the hook exists when
            # models.pull, .run or .create is set). The hook's failed pull kills the container even
            # with the model cached, and it reruns on every start; the model-pull Job does the pulls.
            # `clean` deletes every cached model not listed here: never with a cache we keep.
            "models": {"pull": [], "run": [], "clean": False},
        },
        # The chart renders runtimeClassName only when non-empty: without one the pod runs
        # under the default runtime, where CDI injects the GPU.
        **({} if runtime_class is None else {"runtimeClassName": runtime_class}),
        "nodeSelector": dict(node_selector),
        **({"tolerations": other_tolerations} if other_tolerations else {}),
        # The chart's default too, written down because a rolling update would start a second
        # pod that waits for the GPU the first one holds.
        "updateStrategy": {"type": "Recreate"},
        "resources": {"requests": config.resources.requests(), "limits": config.resources.limits()},
        # The chart sets OLLAMA_HOST itself; a second entry would be a duplicate env var that
        # server-side apply rejects. It never sets NVIDIA_VISIBLE_DEVICES.
        "extraEnv": [
            # Only with a GPU: where the default runtime is NVIDIA's, this alone would hand a
            # CPU-only pod every GPU of the node.
            *([{"name": "NVIDIA_VISIBLE_DEVICES", "value": "all"}] if config.gpus else []),
            {"name": "OLLAMA_KEEP_ALIVE", "value": config.keep_alive},
            # `ollama.env` and the VRAM plan's settings, in name order so a reordered stack file changes nothing.
            *({"name": name, "value": value} for name, value in config.server_env.items()),
        ],
        # The chart writes these on the pod template (templates/deployment.yaml at 1.41.0).
        **({"podAnnotations": annotations} if (annotations := pod_annotations(config)) else {}),
        # `persistentVolume`, not the `persistence` key the upstream homelab document used
        # (docs/decisions.md), which 1.41.0 ignores.
        # With existingClaim the chart creates no PVC, so `helm uninstall` cannot delete it.
        "persistentVolume": {"enabled": True, "existingClaim": claim_name},
        "service": {"port": config.port},
        "serviceAccount": {"automount": False},
        "securityContext": CONTAINER_SECURITY,
        "podSecurityContext": POD_SECURITY,
    }


def pod_annotations(config: OllamaConfig) -> dict[str, str]:
    """Under a plan, the budget and what the footprint advisory multiplies by Ollama's settings."""
    budget = vram_annotations(config)
    if not budget:
        return {}
    return {**budget, VRAM_CACHE_ANNOTATION: str(quantity_bytes(config.vram.cache_per_token))}


OllamaReleaseArgs = AppArgs[OllamaConfig]


class OllamaRelease(App[OllamaConfig]):
    """Ollama's LLM API: a Helm release of the otwld chart and its protected model cache."""

    def __init__(self, name: str, args: OllamaReleaseArgs, opts: Optional[pulumi.ResourceOptions] = None):
        super().__init__("homelab:ai:OllamaRelease", name, args, claim=CLAIM_NAME, claim_suffix="models", opts=opts)
        config = args.config
        child = self.child

        release = pinned_release(
            f"{name}-release",
            chart="ollama",
            release_name=RELEASE_NAME,
            pin=config.chart,
            namespace=self.namespace,
            # With `gpus: 0` Ollama runs its models on the CPU, on any node, under the default runtime.
            values=chart_values(
                config,
                runtime_class=args.gpu.runtime_class_name if config.gpus else None,
                node_selector=args.gpu.node_selector if config.gpus else {},
                gpu_resource_name=args.gpu.gpu_resource_name,
                gpu_tolerations=args.gpu.gpu_tolerations if config.gpus else [],
                claim_name=self.claim_name,
            ),
            # The first start pulls a multi-GB image (CUDA libraries included) before it is ready.
            timeout=1200,
            opts=pulumi.ResourceOptions(parent=self, depends_on=[args.gpu]),
        )

        # The release is named RELEASE_NAME, so its name output is never empty.
        service_name = release.name.apply(lambda given: given or RELEASE_NAME)
        pulls = bool(config.models_pull) and config.running_replicas > 0
        self.expose(service_name, POD_LABELS, own_clients=[Peer(config.namespace, MODEL_PULL_LABELS)] if pulls else [])

        if pulls:
            egress = allow_egress_to(
                f"{name}-model-pull-egress", policy_name="model-pull-to-ollama", namespace=self.namespace,
                from_labels=MODEL_PULL_LABELS, to=AppEndpoint.of(config, POD_LABELS), opts=child,
            )
            self._model_pull_job(name, config, args.gpu, depends_on=[release, egress])

        self.finish()

    def _model_pull_job(
        self, name: str, config: OllamaConfig, gpu: GpuNodeStack, depends_on: list[pulumi.Resource],
    ) -> k8s.batch.v1.Job:
        """Pulls `models.pull` through the running server's API; `pulumi up` waits for it and shows its failure."""
        return k8s.batch.v1.Job(
            f"{name}-model-pull",
            metadata=k8s.meta.v1.ObjectMetaArgs(
                name=model_pull_job_name(config), namespace=self.namespace, labels=MODEL_PULL_LABELS,
                annotations=REPLACE_UNREADY,
            ),
            spec=k8s.batch.v1.JobSpecArgs(
                backoff_limit=2,
                active_deadline_seconds=model_pull_deadline_seconds(config),
                template=k8s.core.v1.PodTemplateSpecArgs(
                    metadata=k8s.meta.v1.ObjectMetaArgs(labels=MODEL_PULL_LABELS),
                    spec=k8s.core.v1.PodSpecArgs(
                        restart_policy="Never",
                        automount_service_account_token=False,
                        # The client needs no root: `restricted` holds for this pod.
                        security_context=pod_security(run_as_non_root=True, run_as_user=65534, run_as_group=65534),
                        # Beside the server (on the GPU node, unless it runs without one), where the Ollama
                        # image is already pulled; it asks for no GPU.
                        node_selector=gpu.node_selector if config.gpus else None,
                        tolerations=gpu.pod_tolerations() if config.gpus else None,
                        containers=[k8s.core.v1.ContainerArgs(
                            name="pull",
                            # The pinned server image carries the `ollama` client.
                            image=config.image.reference,
                            command=["/bin/sh", "-c", MODEL_PULL_SCRIPT, "model-pull", *config.models_pull],
                            termination_message_policy="FallbackToLogsOnError",
                            env=[
                                k8s.core.v1.EnvVarArgs(name="OLLAMA_HOST", value=self.internal_url),
                                k8s.core.v1.EnvVarArgs(name="HOME", value="/tmp"),
                            ],
                            resources=k8s.core.v1.ResourceRequirementsArgs(
                                requests={"cpu": "50m", "memory": "64Mi"}, limits={"memory": "256Mi"},
                            ),
                            security_context=container_security(),
                        )],
                    ),
                ),
            ),
            opts=pulumi.ResourceOptions(
                parent=self, depends_on=depends_on,
                custom_timeouts=pulumi.CustomTimeouts(create=model_pull_timeout(config), update=model_pull_timeout(config)),
            ),
        )
