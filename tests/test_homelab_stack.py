"""The homelab stack, run under mocks, registers exactly its GPU plumbing and two apps, with the values its stack file sets."""

from __future__ import annotations

from registrations import named

from offline_preview.capture import Capture


def test_homelab_registers_the_gpu_plumbing_both_apps_and_their_network_guards_only(homelab: Capture):
    assert sorted((r.type, r.name) for r in homelab.registrations) == sorted([
        ("homelab:ai:GpuNodeStack", "gpu"),
        ("kubernetes:core/v1:Namespace", "gpu-namespace"),
        ("kubernetes:node.k8s.io/v1:RuntimeClass", "gpu-runtime-class"),
        ("kubernetes:helm.sh/v3:Release", "gpu-device-plugin"),
        ("kubernetes:nfd.k8s-sigs.io/v1alpha1:NodeFeatureRule", "gpu-gpu-present-rule"),
        ("homelab:ai:OllamaRelease", "ollama"),
        ("kubernetes:core/v1:Namespace", "ollama-namespace"),
        ("kubernetes:core/v1:PersistentVolumeClaim", "ollama-models"),
        ("kubernetes:helm.sh/v3:Release", "ollama-release"),
        ("kubernetes:gateway.networking.k8s.io/v1:HTTPRoute", "ollama-route"),
        ("kubernetes:networking.k8s.io/v1:NetworkPolicy", "ollama-deny-ingress"),
        ("kubernetes:networking.k8s.io/v1:NetworkPolicy", "ollama-egress"),
        ("kubernetes:cilium.io/v2:CiliumNetworkPolicy", "ollama-allow-gateway"),
        ("kubernetes:networking.k8s.io/v1:NetworkPolicy", "ollama-allow-app-port"),
        ("kubernetes:networking.k8s.io/v1:NetworkPolicy", "ollama-model-pull-egress"),
        ("kubernetes:batch/v1:Job", "ollama-model-pull"),
        ("homelab:ai:ComfyUIApp", "comfyui"),
        ("kubernetes:core/v1:Namespace", "comfyui-namespace"),
        ("kubernetes:core/v1:PersistentVolumeClaim", "comfyui-data"),
        ("kubernetes:apps/v1:Deployment", "comfyui-deployment"),
        ("kubernetes:core/v1:Service", "comfyui-service"),
        ("kubernetes:gateway.networking.k8s.io/v1:HTTPRoute", "comfyui-route"),
        ("kubernetes:networking.k8s.io/v1:NetworkPolicy", "comfyui-deny-ingress"),
        ("kubernetes:networking.k8s.io/v1:NetworkPolicy", "comfyui-egress"),
        ("kubernetes:cilium.io/v2:CiliumNetworkPolicy", "comfyui-allow-gateway"),
    ])


def test_ollama_release_pins_chart_1_41_0_and_image_0_17_1(homelab: Capture):
    release = named(homelab, "ollama-release").inputs
    assert release["name"] == "ollama"
    assert release["chart"] == "ollama"
    assert release["version"] == "1.41.0"
    assert release["repositoryOpts"] == {"repo": "https://otwld.github.io/ollama-helm/"}
    assert release["namespace"] == "ollama"
    assert release["values"]["image"] == {"repository": "ollama/ollama", "tag": "0.17.1"}


def test_ollama_runs_on_the_gpu_node_with_its_configured_resources(homelab: Capture):
    values = named(homelab, "ollama-release").inputs["values"]
    assert values["ollama"]["gpu"] == {"enabled": True, "type": "nvidia", "number": 1, "nvidiaResource": "nvidia.com/gpu"}
    assert values["runtimeClassName"] == "nvidia"
    assert values["nodeSelector"] == {"nvidia.com/gpu.present": "true"}
    assert values["updateStrategy"] == {"type": "Recreate"}
    assert values["resources"] == {
        "requests": {"cpu": "1000m", "memory": "2Gi"},
        "limits": {"cpu": "4000m", "memory": "4Gi"},
    }
    assert values["extraEnv"] == [
        {"name": "NVIDIA_VISIBLE_DEVICES", "value": "all"},
        # The homelab time-slices its card: idle models give VRAM back to ComfyUI after a minute.
        {"name": "OLLAMA_KEEP_ALIVE", "value": "1m"},
    ]
    assert values["replicaCount"] == 1
    assert values["ollama"]["port"] == 11434 and values["service"]["port"] == 11434


def test_ollama_gpu_limit_comes_only_from_the_chart(homelab: Capture):
    values = named(homelab, "ollama-release").inputs["values"]
    # With ollama.gpu.enabled the chart merges nvidia.com/gpu into the limits itself.
    assert "nvidia.com/gpu" not in values["resources"]["limits"]


def test_ollama_never_sets_ollama_host_twice(homelab: Capture):
    values = named(homelab, "ollama-release").inputs["values"]
    assert "OLLAMA_HOST" not in {env["name"] for env in values["extraEnv"]}


def test_ollama_server_pulls_nothing_itself_and_never_cleans_the_cache(homelab: Capture):
    models = named(homelab, "ollama-release").inputs["values"]["ollama"]["models"]
    assert models == {"pull": [], "run": [], "clean": False}


def test_comfyui_deployment_holds_one_gpu_under_the_nvidia_runtime_and_recreates(homelab: Capture):
    deployment = named(homelab, "comfyui-deployment").inputs
    assert deployment["metadata"]["namespace"] == "comfyui"
    spec = deployment["spec"]
    assert spec["replicas"] == 1
    assert spec["strategy"] == {"type": "Recreate"}
    pod = spec["template"]["spec"]
    assert pod["runtimeClassName"] == "nvidia"
    assert pod["nodeSelector"] == {"nvidia.com/gpu.present": "true"}
    (container,) = pod["containers"]
    assert container["image"] == "yanwk/comfyui-boot:cu128-megapak-20260223"
    assert container["resources"] == {
        "requests": {"cpu": "1000m", "memory": "4Gi"},
        "limits": {"cpu": "4000m", "memory": "8Gi", "nvidia.com/gpu": "1"},
    }
    assert container["env"] == [
        {"name": "NVIDIA_VISIBLE_DEVICES", "value": "all"},
        # ComfyUI's own default upload size, written so the route's body-size limit and ComfyUI's agree.
        {"name": "CLI_ARGS", "value": "--listen 0.0.0.0 --port 8188"},
    ]
    assert container["ports"] == [{"name": "http", "containerPort": 8188}]


def test_comfyui_probes_poll_the_queue_and_allow_a_long_first_boot(homelab: Capture):
    deployment = named(homelab, "comfyui-deployment")
    container = deployment.inputs["spec"]["template"]["spec"]["containers"][0]
    for probe in ("startupProbe", "readinessProbe", "livenessProbe"):
        assert container[probe]["httpGet"] == {"path": "/queue", "port": "http"}
    startup = container["startupProbe"]
    assert startup["periodSeconds"] * startup["failureThreshold"] >= 1800
    # Pulumi must wait for the image pull and the probe's whole window before calling the rollout failed.
    timeouts = deployment.request.customTimeouts
    assert (timeouts.create, timeouts.update) == ("2400s", "2400s")


def test_comfyui_service_serves_port_8188(homelab: Capture):
    service = named(homelab, "comfyui-service").inputs
    assert service["metadata"] == {"name": "comfyui", "namespace": "comfyui", "labels": service["spec"]["selector"],
                                   "annotations": {"pulumi.com/skipAwait": "true"}}
    assert service["spec"]["ports"] == [{"name": "http", "port": 8188, "targetPort": "http"}]
    pod_labels = named(homelab, "comfyui-deployment").inputs["spec"]["template"]["metadata"]["labels"]
    assert service["spec"]["selector"] == pod_labels


def test_both_caches_are_100gi_longhorn_claims(homelab: Capture):
    for name, claim, namespace in (("ollama-models", "ollama-models", "ollama"), ("comfyui-data", "comfyui-data", "comfyui")):
        pvc = named(homelab, name).inputs
        assert pvc["metadata"] == {"name": claim, "namespace": namespace}
        assert pvc["spec"] == {
            "accessModes": ["ReadWriteOnce"],
            "storageClassName": "longhorn",
            "resources": {"requests": {"storage": "100Gi"}},
        }


def test_stack_outputs_name_both_urls_and_namespaces(homelab: Capture):
    assert homelab.outputs == {
        "ollamaUrl": "http://ollama.madhan.app",
        "comfyuiUrl": "http://comfyui.madhan.app",
        "ollamaInternalUrl": "http://ollama.ollama.svc.cluster.local:11434",
        "comfyuiInternalUrl": "http://comfyui.comfyui.svc.cluster.local:8188",
        "namespaces": {"gpu": "nvidia-device-plugin", "ollama": "ollama", "comfyui": "comfyui"},
        "gpuRuntimeClass": "nvidia",
        "gpuCapacity": 2,
        "gpuHolders": ["ollama", "comfyui"],
    }


def test_app_namespaces_enforce_baseline_pod_security(homelab: Capture):
    for name in ("ollama-namespace", "comfyui-namespace"):
        labels = named(homelab, name).inputs["metadata"]["labels"]
        assert labels["pod-security.kubernetes.io/enforce"] == "baseline"


def test_homelab_stack_file_spells_out_its_values_rather_than_relying_on_defaults(homelab_config):
    """The homelab's values live in Pulumi.homelab.yaml itself, so a changed program default never moves them."""
    gpu, exposure = homelab_config["homelab-ai:gpu"], homelab_config["homelab-ai:exposure"]
    ollama, comfyui = homelab_config["homelab-ai:ollama"], homelab_config["homelab-ai:comfyui"]
    assert gpu["nodeSelector"] == {"nvidia.com/gpu.present": "true"} and gpu["runtimeClass"] == "nvidia"
    assert exposure["gateway"] == {"name": "homelab-gateway", "namespace": "kube-system", "enforcesAccess": True}
    assert (ollama["namespace"], ollama["chart"]["version"], ollama["image"]["tag"]) == ("ollama", "1.41.0", "0.17.1")
    assert (ollama["hostname"], ollama["port"], ollama["storage"]) == (
        "ollama.madhan.app", 11434, {"size": "100Gi", "storageClass": "longhorn"})
    assert ollama["resources"] == {"requests": {"cpu": "1000m", "memory": "2Gi"}, "limits": {"cpu": "4000m", "memory": "4Gi"}}
    assert (comfyui["namespace"], comfyui["image"]["repository"], comfyui["hostname"], comfyui["port"]) == (
        "comfyui", "yanwk/comfyui-boot", "comfyui.madhan.app", 8188)
    assert comfyui["resources"] == {"requests": {"cpu": "1000m", "memory": "4Gi"}, "limits": {"cpu": "4000m", "memory": "8Gi"}}
    assert comfyui["storage"] == {"size": "100Gi", "storageClass": "longhorn"}


def test_the_registry_deploys_every_app_section_of_the_config_once(homelab_config):
    from components.registry import APPS
    from stack_config.stack_files import parse_stack_file_config

    assert [entry.section for entry in APPS] == list(parse_stack_file_config(homelab_config).apps)
