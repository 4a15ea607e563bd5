"""ComfyUI's checks.

The image `yanwk/comfyui-boot:cu128-megapak-20260223` bundles the newest `v*` tag of
comfyanonymous/ComfyUI on its build day (YanWenKun/ComfyUI-Docker,
cu128-megapak/builder-scripts/preload-cache.sh): roughly v0.14 or v0.15, since ComfyUI Desktop
moved to 0.15.1 on 2026-02-27 (Comfy-Org/desktop#1628). ComfyUI's server.py (read at 0.8.0,
January 2026; answers recorded from later releases carry the same keys) answers
`GET /system_stats` with `{"system": {..., "comfyui_version", "pytorch_version"}, "devices":
[{"name", "type", "index", "vram_total", "vram_free", "torch_vram_total", "torch_vram_free"}]}`,
the torch device ComfyUI computes on: `type` "cuda" on an NVIDIA GPU, "cpu" under `--cpu`
(comfy/model_management.py `get_torch_device_name` names a CUDA device
"cuda:0 <card> : <allocator>"). `GET /queue` answers `{"queue_running": [...], "queue_pending": [...]}`.
"""

from __future__ import annotations

from typing import Any

from smoke.checks import AppChecks, CheckFailed, CheckResult, Passed, gib
from smoke.http_api import HttpApi


def _cuda_device(api: HttpApi, runtime_class: str) -> Passed[None]:
    stats: Any = api.json("GET", "/system_stats")
    devices = stats.get("devices") if isinstance(stats, dict) else None
    if not isinstance(devices, list) or not devices or not all(isinstance(d, dict) for d in devices):
        raise CheckFailed("answer has no devices")
    cuda = [d for d in devices if d.get("type") == "cuda"]
    if not cuda:
        found = ", ".join(f"{d.get('name')} (type {d.get('type')})" for d in devices)
        raise CheckFailed(
            f"ComfyUI computes on the CPU: its device is {found}. It was started with --cpu, or PyTorch "
            f"sees no CUDA device: its pod needs runtimeClassName {runtime_class} (gpu.runtimeClass) and "
            "an nvidia.com/gpu limit"
        )
    device = cuda[0]
    vram_total, vram_free = device.get("vram_total"), device.get("vram_free")
    if not isinstance(vram_total, int) or vram_total <= 0:
        raise CheckFailed(f"{device.get('name')} reports no VRAM (vram_total {vram_total!r})")
    system = stats.get("system") if isinstance(stats.get("system"), dict) else {}
    memory = f"{gib(vram_total)} VRAM" + (f", {gib(vram_free)} free" if isinstance(vram_free, int) else "")
    versions = ", ".join(
        f"{label} {system[key]}" for key, label in (("comfyui_version", "ComfyUI"), ("pytorch_version", "PyTorch"))
        if isinstance(system.get(key), str)
    )
    return Passed(f"{device.get('name')}, {memory}" + (f"; {versions}" if versions else ""), None)


def _budget(api: HttpApi, budget: int) -> Passed[None]:
    """ComfyUI's own use is what its PyTorch allocator holds (`torch_vram_total`, memory_reserved); the
    card's is `vram_total - vram_free`, free as CUDA reports it for the whole device: what both apps see."""
    stats: Any = api.json("GET", "/system_stats")
    devices = stats.get("devices") if isinstance(stats, dict) else None
    device = next((d for d in devices if isinstance(d, dict) and d.get("type") == "cuda"), None) \
        if isinstance(devices, list) else None
    numbers = [device.get(key) if device else None for key in ("torch_vram_total", "vram_total", "vram_free")]
    held, total, free = (n if isinstance(n, int) else None for n in numbers)
    if held is None or total is None or free is None:
        raise CheckFailed("answer has no cuda device with torch_vram_total, vram_total and vram_free")
    detail = (f"ComfyUI holds {gib(held)} of its {gib(budget)} budget; the card: {gib(total - free)} of {gib(total)} "
              "in use by every process on it, which is what Ollama and ComfyUI both see as taken")
    if held > budget:
        raise CheckFailed(f"{detail}. ComfyUI is over its share: its flag (--reserve-vram or --vram-headroom) keeps "
                          "free what the plan leaves to no one, so a workflow's peak went past it; POST /free unloads its models")
    return Passed(detail, None)


def _queue(api: HttpApi) -> Passed[None]:
    queue: Any = api.json("GET", "/queue")
    running = queue.get("queue_running") if isinstance(queue, dict) else None
    pending = queue.get("queue_pending") if isinstance(queue, dict) else None
    if not isinstance(running, list) or not isinstance(pending, list):
        raise CheckFailed("answer has no queue_running/queue_pending lists")
    return Passed(f"{len(running)} running, {len(pending)} pending", None)


def comfyui_checks(api: HttpApi, *, runtime_class: str, budget: int | None = None) -> list[CheckResult]:
    checks = AppChecks("comfyui")
    checks.run("GET /system_stats", lambda: _cuda_device(api, runtime_class))
    checks.run("GET /queue", lambda: _queue(api))
    if budget is not None:
        checks.run("VRAM budget", lambda: _budget(api, budget))
    return checks.results
