"""homelab-ai: the GPU node's plumbing, Ollama and ComfyUI, from this stack's config."""

import pulumi

from components.comfyui_app import ComfyUIApp, ComfyUIAppArgs, comfyui_endpoint
from components.gpu_node_stack import GpuNodeStack, GpuNodeStackArgs
from components.network_policies import clients_of
from components.ollama_release import OllamaRelease, OllamaReleaseArgs, ollama_endpoint
from stack_config import read_stack_config

config = read_stack_config()
# An app that lets another app's namespace in (`access.clientNamespaces`) is useless to it unless
# that namespace's own egress fence lets it out too.
apps = [ollama_endpoint(config.ollama), comfyui_endpoint(config.comfyui)]

gpu = GpuNodeStack("gpu", GpuNodeStackArgs(config=config.gpu))
ollama = OllamaRelease("ollama", OllamaReleaseArgs(
    config=config.ollama, exposure=config.exposure, gpu=gpu, reaches=clients_of(config.ollama.namespace, apps)))
comfyui = ComfyUIApp("comfyui", ComfyUIAppArgs(
    config=config.comfyui, exposure=config.exposure, gpu=gpu, reaches=clients_of(config.comfyui.namespace, apps)))

pulumi.export("ollamaUrl", ollama.external_url)
pulumi.export("ollamaInternalUrl", ollama.internal_url)
pulumi.export("comfyuiUrl", comfyui.external_url)
pulumi.export("comfyuiInternalUrl", comfyui.internal_url)
pulumi.export("namespaces", {"gpu": gpu.namespace, "ollama": ollama.namespace, "comfyui": comfyui.namespace})
pulumi.export("gpuRuntimeClass", gpu.runtime_class_name)
pulumi.export("gpuCapacity", gpu.capacity)
pulumi.export("gpuHolders", [name for name, app in (("ollama", config.ollama), ("comfyui", config.comfyui)) if app.gpu_demand])
