"""homelab-ai: the GPU node's plumbing, Ollama and ComfyUI, from this stack's config."""

import pulumi

from components.comfyui_app import ComfyUIApp, ComfyUIAppArgs
from components.gpu_node_stack import GpuNodeStack, GpuNodeStackArgs
from components.ollama_release import OllamaRelease, OllamaReleaseArgs
from stack_config import read_stack_config

config = read_stack_config()

gpu = GpuNodeStack("gpu", GpuNodeStackArgs(config=config.gpu))
ollama = OllamaRelease("ollama", OllamaReleaseArgs(config=config.ollama, exposure=config.exposure, gpu=gpu))
comfyui = ComfyUIApp("comfyui", ComfyUIAppArgs(config=config.comfyui, exposure=config.exposure, gpu=gpu))

pulumi.export("ollamaUrl", ollama.external_url)
pulumi.export("ollamaInternalUrl", ollama.internal_url)
pulumi.export("comfyuiUrl", comfyui.external_url)
pulumi.export("comfyuiInternalUrl", comfyui.internal_url)
pulumi.export("namespaces", {"gpu": gpu.namespace, "ollama": ollama.namespace, "comfyui": comfyui.namespace})
pulumi.export("gpuRuntimeClass", gpu.runtime_class_name)
pulumi.export("gpuCapacity", gpu.capacity)
pulumi.export("gpuHolders", [name for name, app in (("ollama", config.ollama), ("comfyui", config.comfyui)) if app.gpu_demand])
