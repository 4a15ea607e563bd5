"""ComfyUIApp: the yanwk ComfyUI image as a GPU Deployment, with a data volume the program owns."""

from __future__ import annotations

from typing import Optional

import pulumi
import pulumi_kubernetes as k8s

from components.app import App, AppArgs, vram_annotations
from components.pod_security import container_security, pod_security
from stack_config import ComfyUIConfig

APP_NAME = "comfyui"
POD_LABELS = {"app.kubernetes.io/name": APP_NAME, "app.kubernetes.io/part-of": "homelab-ai"}
CLAIM_NAME = "comfyui-data"
# Answers from the in-memory queue: cheap enough to poll, unlike /object_info.
HEALTH_PATH = "/queue"
# The first start copies ComfyUI (several GB in the megapak images) onto the volume before it
# serves: the start-up probe allows 180 x 10 s = 30 minutes.
STARTUP_PERIOD_SECONDS = 10
STARTUP_FAILURES = 180
STARTUP_WINDOW_SECONDS = STARTUP_PERIOD_SECONDS * STARTUP_FAILURES
# Pulling the multi-GB image comes before that window, and counts against the rollout's
# progress deadline too.
IMAGE_PULL_SECONDS = 600
ROLLOUT_SECONDS = STARTUP_WINDOW_SECONDS + IMAGE_PULL_SECONDS

# The images bake ComfyUI-Manager's config.ini with `security_level = weak`, and ComfyUI listens
# on every address (`--listen`), which Manager counts as not local: at `weak` anyone who reaches
# the UI installs and runs any code (docs/security.md). The entrypoint copies the bundle to
# the volume only while ComfyUI/main.py is missing, with `cp --archive --update=none`, which never
# overwrites a file (cu128-megapak/runner-scripts/entrypoint.sh in YanWenKun/ComfyUI-Docker).
# So the script writes the file before that first copy, and rewrites the level before every start.
# On first start it writes the image's own lines (the 20260223 build bakes `[default]`,
# `use_uv = False`, `security_level = weak`: builder-scripts/preload-cache.sh) with the stack's
# level, plus `downgrade_blacklist = torch, torchvision, torchaudio`, which the image's builds
# from 2026-03-28 bake too. Manager's built-in downgrade list already holds those three
# (prestartup_script.py, ComfyUI-Manager 3.39.2), so that line adds no protection of its own: it
# keeps the file the same as the newer images'.
MANAGER_CONFIG_SCRIPT = r"""set -eu
config="$DATA_PATH/ComfyUI/user/__manager/config.ini"
mkdir -p "$(dirname "$config")"
if [ ! -f "$config" ]; then
  printf '[default]\nuse_uv = False\nsecurity_level = %s\ndowngrade_blacklist = torch, torchvision, torchaudio\n' "$SECURITY_LEVEL" > "$config"
elif grep -q '^security_level' "$config"; then
  sed -i "s/^security_level[[:space:]]*=.*/security_level = $SECURITY_LEVEL/" "$config"
else
  sed -i "s/^\[default\]\$/[default]\nsecurity_level = $SECURITY_LEVEL/" "$config"
fi
echo "ComfyUI-Manager security_level = $SECURITY_LEVEL"
"""


def cli_args(config: ComfyUIConfig) -> str:
    """CLI_ARGS: the image runs `main.py --listen --port 8188 ${CLI_ARGS}` and argparse keeps the
    last --listen and --port, so these win; then `--disable-xformers` where the image calls for it,
    and `comfyui.extraArgs`, already checked against ComfyUI's cli_args.py, with --max-upload-size
    matching the route's upload size; last, the VRAM plan's flag."""
    args = [f"--listen 0.0.0.0 --port {config.port}"]
    if config.disable_xformers and "--disable-xformers" not in config.extra_args:
        # The cu128 megapak README runs CLI_ARGS="--fast --disable-xformers": xFormers can break
        # on Blackwell cards (YanWenKun/ComfyUI-Docker archived/cu128-megapak/README.adoc).
        args.append("--disable-xformers")
    return " ".join((*args, *config.extra_args, *config.plan_args))


def _probe(period: int, failures: int) -> k8s.core.v1.ProbeArgs:
    return k8s.core.v1.ProbeArgs(
        http_get=k8s.core.v1.HTTPGetActionArgs(path=HEALTH_PATH, port="http"),
        period_seconds=period,
        timeout_seconds=5,
        failure_threshold=failures,
    )


ComfyUIAppArgs = AppArgs[ComfyUIConfig]


class ComfyUIApp(App[ComfyUIConfig]):
    """ComfyUI's web UI and API: Namespace, protected data PVC, Deployment, Service and route."""

    def __init__(self, name: str, args: ComfyUIAppArgs, opts: Optional[pulumi.ResourceOptions] = None):
        super().__init__("homelab:ai:ComfyUIApp", name, args, claim=CLAIM_NAME, claim_suffix="data", opts=opts)
        config = args.config
        gpu = args.gpu
        child = self.child

        labels = dict(POD_LABELS)
        k8s.apps.v1.Deployment(
            f"{name}-deployment",
            metadata=k8s.meta.v1.ObjectMetaArgs(name=APP_NAME, namespace=self.namespace, labels=labels),
            spec=k8s.apps.v1.DeploymentSpecArgs(
                replicas=config.running_replicas,
                # The default 600 s would mark a first start ProgressDeadlineExceeded long before
                # the start-up probe gives up.
                progress_deadline_seconds=ROLLOUT_SECONDS,
                # A rolling update would start the new pod while the old one holds the GPU;
                # the new pod would wait Pending for a GPU that is never freed.
                strategy=k8s.apps.v1.DeploymentStrategyArgs(type="Recreate"),
                selector=k8s.meta.v1.LabelSelectorArgs(match_labels=labels),
                template=k8s.core.v1.PodTemplateSpecArgs(
                    metadata=k8s.meta.v1.ObjectMetaArgs(labels=labels, annotations=vram_annotations(config) or None),
                    spec=k8s.core.v1.PodSpecArgs(
                        automount_service_account_token=False,
                        security_context=pod_security(),
                        runtime_class_name=gpu.runtime_class_name,
                        node_selector=gpu.node_selector,
                        tolerations=gpu.pod_tolerations(),
                        init_containers=[k8s.core.v1.ContainerArgs(
                            name="manager-security-level",
                            image=config.image.reference,
                            command=["bash", "-c", MANAGER_CONFIG_SCRIPT],
                            env=[
                                k8s.core.v1.EnvVarArgs(name="DATA_PATH", value=config.data_path),
                                k8s.core.v1.EnvVarArgs(name="SECURITY_LEVEL", value=config.manager_security_level),
                            ],
                            resources=k8s.core.v1.ResourceRequirementsArgs(
                                requests={"cpu": "50m", "memory": "64Mi"}, limits={"memory": "256Mi"},
                            ),
                            security_context=container_security(),
                            volume_mounts=[k8s.core.v1.VolumeMountArgs(name="data", mount_path=config.data_path)],
                        )],
                        containers=[k8s.core.v1.ContainerArgs(
                            name=APP_NAME,
                            image=config.image.reference,
                            env=[
                                k8s.core.v1.EnvVarArgs(name="NVIDIA_VISIBLE_DEVICES", value="all"),
                                k8s.core.v1.EnvVarArgs(name="CLI_ARGS", value=cli_args(config)),
                            ],
                            ports=[k8s.core.v1.ContainerPortArgs(name="http", container_port=config.port)],
                            security_context=container_security(),
                            resources=k8s.core.v1.ResourceRequirementsArgs(
                                requests=config.resources.requests(),
                                limits={**config.resources.limits(), gpu.gpu_resource_name: str(config.gpus)},
                            ),
                            # The image declares VOLUME /root, copies ComfyUI to /root/ComfyUI on
                            # first start and writes models, outputs and custom nodes below it.
                            volume_mounts=[k8s.core.v1.VolumeMountArgs(name="data", mount_path=config.data_path)],
                            startup_probe=_probe(period=STARTUP_PERIOD_SECONDS, failures=STARTUP_FAILURES),
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
            # Pulumi waits 10 minutes for a rollout by default and only logs a missed progress
            # deadline (pulumi-kubernetes provider/pkg/await/deployment.go): its own clock must
            # outlast the image pull and the start-up probe's whole window.
            opts=pulumi.ResourceOptions(
                parent=self, depends_on=[gpu], custom_timeouts=pulumi.CustomTimeouts(
                    create=f"{ROLLOUT_SECONDS}s", update=f"{ROLLOUT_SECONDS}s"),
            ),
        )

        service = k8s.core.v1.Service(
            f"{name}-service",
            metadata=k8s.meta.v1.ObjectMetaArgs(
                name=APP_NAME, namespace=self.namespace, labels=labels,
                # pulumi-kubernetes awaits a Service until none of its endpoints is not-ready, for
                # 10 minutes (provider/pkg/await/service.go), and fails while a pod is still starting.
                # The Deployment's await already waits for the pods, on the start-up window's clock.
                annotations={"pulumi.com/skipAwait": "true"},
            ),
            spec=k8s.core.v1.ServiceSpecArgs(
                selector=labels,
                ports=[k8s.core.v1.ServicePortArgs(name="http", port=config.port, target_port="http")],
            ),
            opts=child,
        )

        self.expose(service.metadata.name, labels)
        self.finish()
