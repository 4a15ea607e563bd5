"""What a GPU pod declares about the card's memory: its budget, and for an Ollama server the part of
its footprint that its own settings fix before any weights are known (Ollama 0.17.1)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Optional, Union

from .names import VRAM_BUDGET_ANNOTATION, VRAM_CACHE_ANNOTATION
from .protocol import PodTemplate
from .readers import Malformed

MIB = 2**20
GIB = 2**30
# ml/device.go MinimumMemory: what Ollama sets aside on a CUDA device for the runner's context
# structures, before any layer.
OLLAMA_RUNNER_OVERHEAD = 457 * MIB
# server/sched.go: OLLAMA_MAX_LOADED_MODELS unset or 0 allows defaultModelsPerGPU (3) per GPU.
OLLAMA_MODELS_PER_GPU = 3
# server/routes.go: without OLLAMA_CONTEXT_LENGTH, the context follows the VRAM (47/23 GiB tiers).
OLLAMA_CONTEXT_BY_VRAM = ((47 * GIB, 262144), (23 * GIB, 32768), (0, 4096))
# fs/ggml/ggml.go kvCacheBytesPerElement: q8_0 is half of f16, q4_0 a quarter; llm/server.go
# keeps f16 unless flash attention is on.
OLLAMA_CACHE_SHARE = {"f16": (1, 1), "q8_0": (1, 2), "q4_0": (1, 4)}
_GO_TRUE = {"1", "t", "T", "TRUE", "true", "True"}


def bytes_annotation(annotations: Mapping[str, Any], key: str) -> Optional[Union[int, Malformed]]:
    """A whole number of bytes written in an annotation; None when it is not there."""
    if key not in annotations:
        return None
    value = annotations[key]
    if isinstance(value, str) and value.isdigit() and len(value) <= 18 and int(value) > 0:
        return int(value)
    return Malformed(str(value))


def vram_budget(pod: PodTemplate) -> Optional[Union[int, Malformed]]:
    return bytes_annotation(pod.annotations(), VRAM_BUDGET_ANNOTATION)


def size(amount: int) -> str:
    if amount >= GIB:
        return f"{amount / GIB:.2f} GiB"
    return f"{amount / MIB:.0f} MiB" if amount >= MIB else f"{amount / 1024:.0f} KiB"


@dataclass(frozen=True)
class OllamaFootprint:
    """What an Ollama server holds with every slot of every model it may load in use, weights aside."""

    models: int
    parallel: int
    context: int
    cache_per_token: Optional[int]
    """f16 bytes per token; None when the pod does not say, and the K/V cache is not counted."""
    cache_type: str

    @property
    def cache_bytes(self) -> int:
        if self.cache_per_token is None:
            return 0
        numerator, denominator = OLLAMA_CACHE_SHARE[self.cache_type]
        # llm/server.go NewLlamaServer: the cache holds context x parallel tokens.
        return self.context * self.parallel * self.cache_per_token * numerator // denominator

    @property
    def total(self) -> int:
        return self.models * (OLLAMA_RUNNER_OVERHEAD + self.cache_bytes)

    def __str__(self) -> str:
        cache = ("" if self.cache_per_token is None else
                 f" + {self.context} tokens x {self.parallel} slot(s) x {size(self.cache_per_token)}/token"
                 f"{'' if self.cache_type == 'f16' else f' ({self.cache_type})'}")
        return f"{size(self.total)}: {self.models} model(s) x ({size(OLLAMA_RUNNER_OVERHEAD)} runner{cache})"


def _whole(value: Any) -> Optional[int]:
    return int(value) if isinstance(value, str) and value.isdigit() and len(value) <= 9 else None


def ollama_footprint(pod: PodTemplate, gpus_per_pod: int, card_memory: int) -> Optional[OllamaFootprint]:
    """The footprint of the Ollama server a pod runs, read from its OLLAMA_* settings as Ollama 0.17.1
    reads them (envconfig/config.go); None for a pod that runs none."""
    env: dict[str, Any] = {}
    for container in pod.containers():
        env.update(container.env())
    if not any(name.startswith("OLLAMA_") for name in env):
        return None
    models = _whole(env.get("OLLAMA_MAX_LOADED_MODELS")) or OLLAMA_MODELS_PER_GPU * max(gpus_per_pod, 1)
    parallel = _whole(env.get("OLLAMA_NUM_PARALLEL")) or 1
    context = _whole(env.get("OLLAMA_CONTEXT_LENGTH")) or next(
        tokens for floor, tokens in OLLAMA_CONTEXT_BY_VRAM if card_memory >= floor)
    cache_type = env.get("OLLAMA_KV_CACHE_TYPE") or "f16"
    if cache_type not in OLLAMA_CACHE_SHARE or env.get("OLLAMA_FLASH_ATTENTION") not in _GO_TRUE:
        cache_type = "f16"
    per_token = bytes_annotation(pod.annotations(), VRAM_CACHE_ANNOTATION)
    return OllamaFootprint(models, parallel, context, per_token if isinstance(per_token, int) else None, cache_type)
