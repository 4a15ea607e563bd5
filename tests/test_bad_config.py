"""Bad config fails before any resource is registered, naming the key, the value and what is accepted."""

from __future__ import annotations

import pulumi
import pytest
from tree_edits import DELETE

from stack_config import ConfigError

CASES = [
    # (id, changes, key the error names, bad value, words of what is accepted)
    ("unparsable-storage-size", {"ollama.storage.size": "100GB"}, "ollama.storage.size", "100GB", "quantity of bytes"),
    ("fractional-storage-size", {"comfyui.storage.size": "1.5"}, "comfyui.storage.size", "1.5", "quantity of bytes"),
    ("zero-storage-size", {"comfyui.storage.size": "0Gi"}, "comfyui.storage.size", "0Gi", "quantity of bytes"),
    ("negative-replicas", {"comfyui.replicas": -1}, "comfyui.replicas", -1, "whole number from 0 to 100"),
    ("boolean-replicas", {"ollama.replicas": True}, "ollama.replicas", True, "whole number from 0 to 100"),
    ("string-replicas", {"ollama.replicas": "1"}, "ollama.replicas", "1", "whole number from 0 to 100"),
    ("unknown-gpu-mode", {"gpu.plugin": "nvidia-operator"}, "gpu.plugin", "nvidia-operator",
     "one of 'device-plugin', 'gpu-operator', 'none'"),
    ("unknown-exposure-kind", {"exposure.kind": "loadbalancer"}, "exposure.kind", "loadbalancer",
     "one of 'none', 'gateway', 'ingress'"),
    ("hostname-with-underscore", {"ollama.hostname": "ollama_madhan.app"}, "ollama.hostname", "ollama_madhan.app", "DNS hostname"),
    ("hostname-uppercase", {"comfyui.hostname": "ComfyUI.madhan.app"}, "comfyui.hostname", "ComfyUI.madhan.app", "DNS hostname"),
    ("hostname-single-label", {"comfyui.hostname": "comfyui"}, "comfyui.hostname", "comfyui", "DNS hostname"),
    ("hostname-url", {"ollama.hostname": "http://ollama.madhan.app"}, "ollama.hostname", "http://ollama.madhan.app", "DNS hostname"),
    ("missing-gateway-name", {"exposure.gateway.name": DELETE}, "exposure.gateway.name", None,
     "required when exposure.kind is 'gateway'"),
    ("missing-hostname", {"ollama.hostname": DELETE}, "ollama.hostname", None, "required when exposure.kind is 'gateway'"),
    ("missing-ingress-class", {"exposure.kind": "ingress"}, "exposure.ingress.className", None,
     "required when exposure.kind is 'ingress'"),
    ("cpu-not-a-quantity", {"ollama.resources.limits.cpu": "4 cores"}, "ollama.resources.limits.cpu", "4 cores", "CPU quantity"),
    ("request-above-limit", {"comfyui.resources.requests.memory": "16Gi"}, "comfyui.resources.requests.memory", "16Gi",
     "at most the limit comfyui.resources.limits.memory"),
    ("persistence-key-the-chart-lacks", {"ollama.persistence": {"enabled": True, "size": "100Gi"}}, "ollama.persistence.enabled", True,
     "no such key"),
    ("section-not-an-object", {"comfyui": "comfyui.madhan.app"}, "comfyui", "comfyui.madhan.app", "an object"),
    ("nested-key-not-an-object", {"ollama.resources": "big"}, "ollama.resources", "big", "an object with the keys"),
    ("node-selector-list-value", {"gpu.nodeSelector": {"nvidia.com/gpu.present": ["true"]}}, "gpu.nodeSelector",
     {"nvidia.com/gpu.present": ["true"]}, "label keys to label values"),
    ("data-path-relative", {"comfyui.dataPath": "root"}, "comfyui.dataPath", "root", "absolute directory path"),
    ("image-tag-with-space", {"comfyui.image.tag": "cu128 megapak"}, "comfyui.image.tag", "cu128 megapak", "pinned image tag"),
    ("image-tag-latest", {"ollama.image.tag": "latest"}, "ollama.image.tag", "latest", "not 'latest'"),
    ("same-namespace-for-both-apps", {"comfyui.namespace": "ollama"}, "comfyui.namespace", "ollama", "other than ollama.namespace"),
    ("time-slicing-without-replicas", {"gpu.sharing": {"strategy": "time-slicing"}}, "gpu.sharing.replicas", None,
     "required when gpu.sharing.strategy is 'time-slicing'"),
    ("replicas-with-exclusive", {"gpu.sharing": {"strategy": "exclusive", "replicas": 2}}, "gpu.sharing.replicas", 2,
     "no value while gpu.sharing.strategy is 'exclusive'"),
    ("one-time-slice", {"gpu.sharing.replicas": 1}, "gpu.sharing.replicas", 1, "whole number from 2 to 16"),
    ("seventeen-time-slices", {"gpu.sharing.replicas": 17}, "gpu.sharing.replicas", 17, "whole number from 2 to 16"),
    ("unknown-sharing-strategy", {"gpu.sharing.strategy": "mps"}, "gpu.sharing.strategy", "mps", "'exclusive', 'time-slicing'"),
    ("enabled-as-string", {"comfyui.enabled": "false"}, "comfyui.enabled", "false", "true or false"),
    ("keep-alive-not-a-duration", {"ollama.keepAlive": "5 minutes"}, "ollama.keepAlive", "5 minutes", "duration"),
    ("model-name-with-space", {"ollama.models.pull": ["llama 3"]}, "ollama.models.pull", ["llama 3"], "Ollama model names"),
    ("unknown-platform", {"gpu.platform": "talos-1.11"}, "gpu.platform", "talos-1.11", "one of 'talos-1.12', 'talos-1.13'"),
    ("unknown-driver-line", {"gpu.driver": 575}, "gpu.driver", 575, "one of '570', '580', '595'"),
    # Talos 1.13: no device plugin and no program-declared RuntimeClass (the mode that declares one).
    ("device-plugin-on-talos-1.13", {"gpu.platform": "talos-1.13", "gpu.driver": "580"}, "gpu.plugin", "device-plugin",
     "'gpu-operator' or 'none' on talos-1.13"),
    ("operator-v26.3.0-on-talos-1.13",
     {"gpu.platform": "talos-1.13", "gpu.driver": "595", "gpu.plugin": "gpu-operator", "gpu.gpuOperator.version": "v26.3.0"},
     "gpu.gpuOperator.version", "v26.3.0", "stops on every Talos node"),
    ("operator-v26.3.0-on-talos-1.12",
     {"gpu.plugin": "gpu-operator", "gpu.gpuOperator.version": "v26.3.0"},
     "gpu.gpuOperator.version", "v26.3.0", "stops on every Talos node"),
    ("operator-v26.3.0-pre-release-on-talos-1.12",
     {"gpu.plugin": "gpu-operator", "gpu.gpuOperator.version": "v26.3.0-rc.2"},
     "gpu.gpuOperator.version", "v26.3.0-rc.2", "stops on every Talos node"),
    ("operator-before-v26.3.1-on-talos-1.13",
     {"gpu.platform": "talos-1.13", "gpu.driver": "580", "gpu.plugin": "gpu-operator", "gpu.gpuOperator.version": "v25.10.1"},
     "gpu.gpuOperator.version", "v25.10.1", "v26.3.1 or newer on talos-1.13"),
    ("operator-runtime-class-not-the-talos-handler",
     {"gpu.platform": "talos-1.13", "gpu.driver": "580", "gpu.plugin": "gpu-operator", "gpu.runtimeClass": "nvidia-cdi"},
     "gpu.runtimeClass", "nvidia-cdi", "registers only the handler 'nvidia'"),
    ("operator-runtime-class-not-the-talos-handler-on-talos-1.12",
     {"gpu.plugin": "gpu-operator", "gpu.runtimeClass": "gpu"},
     "gpu.runtimeClass", "gpu", "registers only the handler 'nvidia'"),
    ("ingress-allowlist-behind-source-nat",
     {"exposure.kind": "ingress", "exposure.ingress.className": "nginx", "exposure.controller.implementation": "ingress-nginx",
      "exposure.controllerNamespace": "ingress-nginx"},
     "exposure.ingress.preservesClientAddress", False, "every request comes from a node's address"),
    ("taint-without-effect", {"gpu.taints": [{"key": "dedicated", "value": "ai"}]}, "gpu.taints",
     [{"key": "dedicated", "value": "ai"}], "`effect` one of NoSchedule, PreferNoSchedule, NoExecute"),
    ("taint-with-an-operator", {"gpu.taints": [{"key": "dedicated", "operator": "Exists", "effect": "NoSchedule"}]}, "gpu.taints",
     [{"key": "dedicated", "operator": "Exists", "effect": "NoSchedule"}], "a list of node taints"),
    ("taint-key-not-a-label-key", {"gpu.taints": [{"key": "dedicated ai", "effect": "NoSchedule"}]}, "gpu.taints",
     [{"key": "dedicated ai", "effect": "NoSchedule"}], "`key` a label key"),
    ("operator-release-candidate-on-talos-1.13",
     {"gpu.platform": "talos-1.13", "gpu.driver": "580", "gpu.plugin": "gpu-operator", "gpu.gpuOperator.version": "v26.3.1-rc.1"},
     "gpu.gpuOperator.version", "v26.3.1-rc.1", "v26.3.1 or newer on talos-1.13"),
    ("driver-570-on-talos-1.13", {"gpu.platform": "talos-1.13", "gpu.plugin": "gpu-operator"}, "gpu.driver", "570",
     "the driver lines Talos ships for gpu.platform 'talos-1.13'"),
    ("cuda-13-image-on-driver-570", {"comfyui.image.tag": "cu130-megapak-pt211-20260701"}, "comfyui.image.tag",
     "cu130-megapak-pt211-20260701", "CUDA 13 images need driver 580 or newer"),
    ("storage-size-exponent", {"ollama.storage.size": "1e3"}, "ollama.storage.size", "1e3", "with a unit"),
    ("storage-size-below-minimum", {"comfyui.storage.size": "512Mi"}, "comfyui.storage.size", "512Mi", "at least 1Gi"),
    ("memory-without-unit", {"comfyui.resources.limits.memory": "4"}, "comfyui.resources.limits.memory", "4", "with a unit"),
    ("memory-below-minimum", {"ollama.resources.requests.memory": "1Mi"}, "ollama.resources.requests.memory", "1Mi",
     "at least 64Mi"),
    ("uppercase-image-repository", {"ollama.image.repository": "Ollama/ollama"}, "ollama.image.repository",
     "Ollama/ollama", "path in lowercase"),
    ("uppercase-image-path-after-registry", {"comfyui.image.repository": "ghcr.io/Team/comfyui"},
     "comfyui.image.repository", "ghcr.io/Team/comfyui", "path in lowercase"),
    ("app-namespace-is-the-gpu-namespace", {"ollama.namespace": "nvidia-device-plugin"}, "ollama.namespace",
     "nvidia-device-plugin", "other than the GPU plumbing's"),
    ("app-namespace-is-the-gpu-operator-default", {"gpu": {"plugin": "gpu-operator"}, "comfyui.namespace": "gpu-operator"},
     "comfyui.namespace", "gpu-operator", "default for gpu.plugin 'gpu-operator'"),
    ("app-namespace-kube-system", {"comfyui.namespace": "kube-system"}, "comfyui.namespace", "kube-system",
     "not one Kubernetes keeps"),
    ("app-namespace-default", {"ollama.namespace": "default"}, "ollama.namespace", "default", "not one Kubernetes keeps"),
    ("app-namespace-kube-public", {"ollama.namespace": "kube-public"}, "ollama.namespace", "kube-public",
     "not one Kubernetes keeps"),
    ("app-namespace-kube-node-lease", {"comfyui.namespace": "kube-node-lease"}, "comfyui.namespace", "kube-node-lease",
     "not one Kubernetes keeps"),
    ("cidr-with-host-bits", {"ollama.access.allowedSources": ["192.168.1.10/24"]}, "ollama.access.allowedSources",
     ["192.168.1.10/24"], "no host bits set"),
    ("keep-alive-other-number", {"ollama.keepAlive": 5}, "ollama.keepAlive", 5, "duration"),
]


@pytest.mark.parametrize("changes, key, value, accepted", [case[1:] for case in CASES], ids=[case[0] for case in CASES])
def test_bad_config_fails_before_anything_is_registered(run_with, changes, key, value, accepted):
    capture = run_with(changes)
    assert isinstance(capture.error, ConfigError), capture.error
    assert capture.registrations == []
    problems = {p.key: p for p in capture.error.problems}
    assert key in problems, problems
    problem = problems[key]
    assert problem.value == value
    assert accepted in problem.accepted
    message = str(capture.error)
    assert f"homelab-ai:{key}" in message and accepted in message


def test_every_problem_is_reported_at_once(run_with):
    capture = run_with({"ollama.storage.size": "100GB", "comfyui.replicas": -1, "gpu.plugin": "operator"})
    assert isinstance(capture.error, ConfigError)
    assert sorted(p.key for p in capture.error.problems) == ["comfyui.replicas", "gpu.plugin", "ollama.storage.size"]
    assert capture.registrations == []


def test_config_error_is_a_run_error_so_the_cli_prints_it_without_a_traceback():
    assert issubclass(ConfigError, pulumi.RunError)


def test_config_error_message_reads_as_the_user_needs_it(run_with):
    capture = run_with({"ollama.storage.size": "100GB"})
    assert str(capture.error) == (
        "invalid stack configuration (1 problem(s)):\n"
        '  - homelab-ai:ollama.storage.size = "100GB" is not accepted; '
        "expected a Kubernetes quantity of bytes with a unit (Ki, Mi, Gi, Ti, Pi, Ei, k, M, G, T, P, E) of at least 1Gi, "
        "such as 100Gi or 500G"
    )
