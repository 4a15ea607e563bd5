"""The VRAM plan of a shared card: each GPU app's budget, turned into that app's own memory knobs.

Time-slicing isolates no memory, and neither app can be capped: both only plan their allocations
against the memory that is free when they load, device-wide, so what the other app holds at that
moment already counts as used.

- Ollama 0.17.1 reads free memory through NVML (`nvmlDeviceGetMemoryInfo`, llama/patches/
  0024-GPU-discovery-enhancements.patch) and lays a model's layers into
  `free - backoff*free - MinimumMemory() - OLLAMA_GPU_OVERHEAD - graph` (llm/server.go buildLayout;
  ml/device.go MinimumMemory: 457 MiB for CUDA). A first model that does not fit goes partly to the
  CPU (server/sched.go: `loadFn(..., false)` while nothing is loaded), and a loaded model's memory
  stays until its keep-alive ends (server/sched.go).
- ComfyUI's estimate-based loader keeps `--reserve-vram` GB (400 MiB without it) free on top of
  0.8 GiB of inference memory, out of what `get_free_memory` reports at each load
  (comfy/model_management.py EXTRA_RESERVED_VRAM, minimum_inference_memory, load_models_gpu).
  Dynamic VRAM (the default from ComfyUI 0.16) keeps `--vram-headroom` GB "completely free and
  unused, even counting VRAM from other apps" (comfy/cli_args.py at 0.38.1; main.py passes it to
  comfy_aimdo.control.init_devices) and gives weights back as that headroom is pressed.

So a knob set to "the card minus my budget" counts the other app twice whenever it is loaded. The
plan sets both knobs to the memory that no budget and no slack claims (``unbudgeted_bytes``): with
both apps at their budgets, whichever loads next sees exactly its own budget free.

Ollama is the resident tenant and ComfyUI the one that adapts: Ollama's footprint is fixed at load
by the models, slots and context the plan gives it, and it can neither shrink nor re-plan a loaded
model, while ComfyUI re-measures free memory at every load (and, under Dynamic VRAM, while it runs).
The plan therefore keeps Ollama's models loaded (`OLLAMA_KEEP_ALIVE=-1`): an idle unload would let
ComfyUI spread into Ollama's share, and Ollama's next load would then run partly on the CPU.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from decimal import ROUND_FLOOR, Decimal
from typing import Optional

LOADERS = ("estimate", "dynamic")
"""ComfyUI's model loader generations: estimate-based, and Dynamic VRAM (the default from 0.16)."""

# A negative OLLAMA_KEEP_ALIVE keeps a model loaded for ever (envconfig/config.go KeepAlive at v0.17.1).
RESIDENT_KEEP_ALIVE = "-1"

# The Ollama settings the plan sets, and the plan key each comes from.
OLLAMA_PLAN_ENV = {
    "OLLAMA_GPU_OVERHEAD": "gpu.memory, gpu.vramSlack and the budgets",
    "OLLAMA_MAX_LOADED_MODELS": "ollama.vram.models",
    "OLLAMA_NUM_PARALLEL": "ollama.vram.parallel",
    "OLLAMA_CONTEXT_LENGTH": "ollama.vram.contextLength",
}

# The flag each loader generation keeps free memory with: the plan writes it.
COMFYUI_KEEP_FREE_FLAG = {"estimate": "--reserve-vram", "dynamic": "--vram-headroom"}

# Flags that would undo the plan's ceiling under each generation, and why.
COMFYUI_FLAGS_AGAINST_PLAN = {
    "estimate": {
        "--reserve-vram": "the plan sets it",
        # model_management.py: HIGH_VRAM loads every model whole, whatever is free.
        "--highvram": "it keeps every model whole in VRAM, whatever is free",
        "--gpu-only": "it keeps every model whole in VRAM, whatever is free",
    },
    "dynamic": {
        "--vram-headroom": "the plan sets it",
        # main.py: --reserve-vram becomes comfy-aimdo's simple_vram_headroom, a second headroom.
        "--reserve-vram": "under Dynamic VRAM it is a second headroom beside the plan's --vram-headroom",
        # cli_args.py enables_dynamic_vram(): each of these turns Dynamic VRAM off, and with it the headroom.
        "--highvram": "it turns Dynamic VRAM off, and with it the plan's --vram-headroom",
        "--gpu-only": "it turns Dynamic VRAM off, and with it the plan's --vram-headroom",
        "--novram": "it turns Dynamic VRAM off, and with it the plan's --vram-headroom",
        "--disable-dynamic-vram": "it turns Dynamic VRAM off, and with it the plan's --vram-headroom "
                                  "(set comfyui.vram.loader: estimate for the older loader's flags)",
    },
}

# The yanwk megapak images copy the newest ComfyUI release tag of their build day onto the volume
# at first start (cu128-megapak/builder-scripts/preload-cache.sh): the 2026-02-23 build carries
# about v0.14.2 (the estimate-based loader), the cu130 build of 2026-07-01 v0.27.0 (Dynamic VRAM).
# Builds between the two are not placed: their loader is config's to say.
_ESTIMATE_UNTIL = "20260223"
_DYNAMIC_FROM = "20260701"
_BUILD_DATE_RE = re.compile(r"-(?P<date>20\d{6})$")


def loader_for_tag(tag: str) -> Optional[str]:
    """The loader generation a yanwk image tag's first start copies onto the volume; None when unknown."""
    match = _BUILD_DATE_RE.search(tag)
    if not match:
        return None
    date = match.group("date")
    return "estimate" if date <= _ESTIMATE_UNTIL else "dynamic" if date >= _DYNAMIC_FROM else None


def unbudgeted_bytes(memory: int, slack: int, budgets: list[int]) -> int:
    """The card's memory that neither a budget nor the slack claims: what each app keeps free beyond
    what the other holds. Zero for a plan that does not fit (the pack's VRAM policy refuses it)."""
    return max(0, memory - slack - sum(budgets))


def gigabytes(size: int) -> str:
    """Bytes as ComfyUI's GB flags read them (x 1024**3), rounded down to a millionth, no trailing zeros."""
    value = (Decimal(size) / 2**30).quantize(Decimal("0.000001"), rounding=ROUND_FLOOR)
    return format(value.normalize(), "f")


def ollama_plan_env(keep_free: int, models: int, parallel: int, context_length: int) -> Mapping[str, str]:
    """Ollama's settings under the plan: it keeps the unbudgeted memory free, and its footprint is
    fixed by at most ``models`` loaded models of ``parallel`` slots of ``context_length`` tokens."""
    return {
        "OLLAMA_GPU_OVERHEAD": str(keep_free),
        "OLLAMA_MAX_LOADED_MODELS": str(models),
        "OLLAMA_NUM_PARALLEL": str(parallel),
        "OLLAMA_CONTEXT_LENGTH": str(context_length),
    }


def comfyui_plan_args(keep_free: int, loader: str) -> tuple[str, ...]:
    """ComfyUI's flag under the plan: keep the unbudgeted memory free, counting what Ollama holds."""
    return (COMFYUI_KEEP_FREE_FLAG[loader], gigabytes(keep_free))
