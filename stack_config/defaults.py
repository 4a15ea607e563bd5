"""The defaults that follow from other keys: every key whose empty default is "the platform's" or
"the mode's", filled in once, before the dataclasses are built."""

from __future__ import annotations

from typing import Any, Mapping

from stack_config.comfyui_settings import comfyui_args_with_upload_size, comfyui_upload_size
from stack_config.platforms import COMFYUI_TAG_FOR_DRIVER, PLATFORM_DEFAULTS, xformers_advice
from stack_config.quantities import quantity_bytes
from stack_config.vram_plan import RESIDENT_KEEP_ALIVE, loader_for_tag, unbudgeted_bytes

# How Ollama keeps an idle model in VRAM unless the stack says otherwise: Ollama's own default on
# a card it has to itself, and short enough on a shared card that ComfyUI gets the memory back
# soon after a chat ends.
DEFAULT_KEEP_ALIVE = {"exclusive": "5m", "time-slicing": "1m"}

# Where each GPU plugin mode lives unless the stack says otherwise.
DEFAULT_GPU_NAMESPACE = {"device-plugin": "nvidia-device-plugin", "gpu-operator": "gpu-operator"}


def platform_values(values: Mapping[str, Any]) -> dict[str, Any]:
    """The keys left empty that mean "the platform's", filled from gpu.platform (and gpu.driver),
    and what the platform decides with no key of its own."""
    platform = PLATFORM_DEFAULTS[values["gpu.platform"]]
    driver = values["gpu.driver"] or platform.drivers[0]
    tag = values["comfyui.image.tag"] or COMFYUI_TAG_FOR_DRIVER[driver]
    return {
        "gpu.plugin": values["gpu.plugin"] or platform.plugin,
        "gpu.driver": driver,
        "gpu.runtimeClass": values["gpu.runtimeClass"] or platform.runtime_class,
        "gpu.gpuOperator.version": values["gpu.gpuOperator.version"] or platform.gpu_operator_version,
        "comfyui.image.tag": tag,
        "comfyui.disableXformers": xformers_advice(tag) if values["comfyui.disableXformers"] is None else values["comfyui.disableXformers"],
        "comfyui.vram.loader": values["comfyui.vram.loader"] or loader_for_tag(tag),
    }


def planned_budgets(values: Mapping[str, Any]) -> dict[str, int]:
    """The VRAM budget of each installed app that holds a GPU, in bytes, by section: the apps a plan shares the card between."""
    return {
        key.split(".", 1)[0]: quantity_bytes(budget)
        for key, budget in values.items()
        if key.endswith(".vram.budget") and budget is not None
        and values[key.replace(".vram.budget", ".installed")] and values[key.replace(".vram.budget", ".gpus")] > 0
    }


def plan_attributes(values: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    """The attributes the whole plan decides, by section: the GPU's budgets by app and, for each app that
    can have a budget, the memory it keeps free beyond the others' (None without a budget of its own, or
    without gpu.memory, which checks.py then asks for)."""
    budgets = planned_budgets(values)
    memory = values["gpu.memory"]
    left = None if memory is None else unbudgeted_bytes(
        quantity_bytes(memory), quantity_bytes(values["gpu.vramSlack"]), list(budgets.values()))
    apps = {key.split(".", 1)[0] for key in values if key.endswith(".vram.budget")}
    return {"gpu": {"vram_budgets": budgets},
            **{section: {"vram.keep_free": left if section in budgets else None} for section in apps}}


def platform_attributes(values: Mapping[str, Any]) -> dict[str, Any]:
    """GpuConfig's attributes that no key sets: what the platform's entry says of the node."""
    platform = PLATFORM_DEFAULTS[values["gpu.platform"]]
    return {"cdi": platform.cdi, "driver_install_dir": platform.driver_install_dir}


def resolved_values(values: Mapping[str, Any]) -> dict[str, Any]:
    """Every key whose value depends on others, by key: the platform's, then each mode's."""
    platform = platform_values(values)
    kind, plugin, strategy = values["exposure.kind"], platform["gpu.plugin"], values["gpu.sharing.strategy"]
    upload_size = comfyui_upload_size(values["comfyui.route.maxUploadSize"], values["comfyui.extraArgs"])
    return {
        **platform,
        **open_webui_wiring(values),
        "comfyui.route.maxUploadSize": upload_size,
        "comfyui.extraArgs": comfyui_args_with_upload_size(values["comfyui.extraArgs"], upload_size),
        "gpu.namespace": None if plugin == "none" else values["gpu.namespace"] or DEFAULT_GPU_NAMESPACE[plugin],
        # Under a plan Ollama is the resident tenant (vram_plan.py): its models stay loaded.
        "ollama.keepAlive": values["ollama.keepAlive"] or (
            RESIDENT_KEEP_ALIVE if "ollama" in planned_budgets(values) else DEFAULT_KEEP_ALIVE[strategy]),
        "exposure.controller.implementation": None if kind == "none" else values["exposure.controller.implementation"],
        "exposure.controllerNamespace": None if kind == "none" else (
            values["exposure.controllerNamespace"] or (values["exposure.gateway.namespace"] if kind == "gateway" else None)),
    }


def open_webui_wiring(values: Mapping[str, Any]) -> dict[str, Any]:
    """Open WebUI calls Ollama for chat and, with images on, ComfyUI: while it is installed, each lets its
    namespace in (`access.clientNamespaces`), and its own egress fence lets it out to them."""
    installed = values["openwebui.installed"]
    images = values["comfyui.installed"] if values["openwebui.images.enabled"] is None else values["openwebui.images.enabled"]
    calls = {"ollama": True, "comfyui": images}
    return {
        "openwebui.images.enabled": images,
        **{f"{app}.access.clientNamespaces": tuple(dict.fromkeys(
            (*values[f"{app}.access.clientNamespaces"], values["openwebui.namespace"])))
           for app, called in calls.items() if installed and called},
    }
