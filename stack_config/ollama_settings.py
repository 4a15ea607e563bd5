"""Ollama's server environment as the pinned image reads it (envconfig/config.go at v0.17.1).

A setting Ollama would ignore (it logs and falls back to its default) fails validation instead.
The parsers are config parsers (values.py): they raise Rejected with what is accepted.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from stack_config.values import Rejected

# strconv.ParseBool's spellings. envconfig.BoolWithDefault reads any other text as true.
_GO_BOOL = {"1": True, "t": True, "T": True, "TRUE": True, "true": True, "True": True,
            "0": False, "f": False, "F": False, "FALSE": False, "false": False, "False": False}
# time.ParseDuration's syntax (envconfig.LoadTimeout tries it first, then whole seconds).
_GO_DURATION_RE = re.compile(r"^(?:0|[-+]?(?:(?:\d+(?:\.\d*)?|\.\d+)(?:ns|us|µs|ms|s|m|h))+)$")
_DIGITS_RE = re.compile(r"^\d{1,20}$")
_UINT64_MAX = 2**64 - 1

OLLAMA_KV_CACHE_TYPES = ("f16", "q8_0", "q4_0")


def _go_bool(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str) and value in _GO_BOOL:
        return "true" if _GO_BOOL[value] else "false"
    raise Rejected("true or false")


def _go_uint(low: int) -> Callable[[Any], str]:
    """strconv.ParseUint(s, 10, 64), as envconfig.Uint and Uint64 read it; ``low`` is the least useful value."""

    def parse(value: Any) -> str:
        if isinstance(value, str) and _DIGITS_RE.match(value):
            value = int(value)
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= _UINT64_MAX:
            raise Rejected(f"a whole number of at least {low}")
        return str(value)

    return parse


def _kv_cache_type(value: Any) -> str:
    # fs/ggml/ggml.go SupportsKVCacheType: "" and f16, or the quantized q8_0 and q4_0.
    if value not in OLLAMA_KV_CACHE_TYPES:
        raise Rejected("one of " + ", ".join(OLLAMA_KV_CACHE_TYPES))
    return value


def _load_timeout(value: Any) -> str:
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    if isinstance(value, str) and len(value) <= 32 and (_GO_DURATION_RE.match(value) or re.match(r"^-?\d+$", value)):
        return value
    raise Rejected("a Go duration such as 5m or 90s, or whole seconds (0 or less waits forever)")


@dataclass(frozen=True)
class EnvSetting:
    parse: Callable[[Any], str]
    meaning: str


OLLAMA_ENV: Mapping[str, EnvSetting] = {
    # envconfig.FlashAttention = BoolWithDefault: unset leaves the choice to each model.
    "OLLAMA_FLASH_ATTENTION": EnvSetting(_go_bool, "flash attention (bool)"),
    # envconfig.KvCacheType = String; llm/server.go drops a quantized type unless flash attention is on.
    "OLLAMA_KV_CACHE_TYPE": EnvSetting(_kv_cache_type, "K/V cache type (f16, q8_0, q4_0)"),
    # envconfig.ContextLength = Uint(.., 0): 0 picks 4k/32k/256k by VRAM.
    "OLLAMA_CONTEXT_LENGTH": EnvSetting(_go_uint(0), "default context length in tokens (uint, 0 = by VRAM)"),
    # envconfig.MaxRunners = Uint(.., 0): 0 lets server/sched.go allow 3 per GPU.
    "OLLAMA_MAX_LOADED_MODELS": EnvSetting(_go_uint(0), "models loaded at once (uint, 0 = 3 per GPU)"),
    # envconfig.NumParallel = Uint(.., 1); server/sched.go treats 0 as 1.
    "OLLAMA_NUM_PARALLEL": EnvSetting(_go_uint(1), "parallel requests per model (uint)"),
    # envconfig.GpuOverhead = Uint64(.., 0), in bytes.
    "OLLAMA_GPU_OVERHEAD": EnvSetting(_go_uint(0), "VRAM set aside per GPU, in bytes (uint64)"),
    # envconfig.LoadTimeout: time.ParseDuration, else whole seconds; zero or less waits forever.
    "OLLAMA_LOAD_TIMEOUT": EnvSetting(_load_timeout, "how long a model load may stall (duration)"),
    # envconfig.MaxQueue = Uint(.., 512).
    "OLLAMA_MAX_QUEUE": EnvSetting(_go_uint(1), "queued requests before 503 (uint)"),
}
# Set elsewhere: the chart owns OLLAMA_HOST (a second entry is a duplicate env var server-side
# apply rejects) and ollama.keepAlive owns OLLAMA_KEEP_ALIVE.
OLLAMA_ENV_OWNED_ELSEWHERE = {
    "OLLAMA_HOST": "the chart sets it from ollama.port",
    "OLLAMA_KEEP_ALIVE": "set it with ollama.keepAlive",
}


def ollama_env(value: Any) -> Mapping[str, str]:
    """The stack's Ollama environment, names checked and values rendered as Ollama parses them."""
    names = ", ".join(OLLAMA_ENV)
    if not isinstance(value, dict):
        raise Rejected(f"a map of Ollama settings; known names are {names}")
    rendered = {}
    for name, item in value.items():
        if name in OLLAMA_ENV_OWNED_ELSEWHERE:
            raise Rejected(f"no {name} here ({OLLAMA_ENV_OWNED_ELSEWHERE[name]}); known names are {names}")
        setting = OLLAMA_ENV.get(name)
        if setting is None:
            raise Rejected(f"only names Ollama 0.17.1 reads here; {name!r} is not one of {names}")
        try:
            rendered[name] = setting.parse(item)
        except Rejected as error:
            raise Rejected(f"{name}: {error.accepted}") from None
    return {name: rendered[name] for name in sorted(rendered)}


def ollama_env_conflict(env: Mapping[str, str]) -> str | None:
    """Why a combination Ollama would silently not honour is refused, or None."""
    kv_cache = env.get("OLLAMA_KV_CACHE_TYPE", "f16")
    if kv_cache != "f16" and env.get("OLLAMA_FLASH_ATTENTION") != "true":
        # llm/server.go: "OLLAMA_FLASH_ATTENTION must be enabled to use a quantized OLLAMA_KV_CACHE_TYPE";
        # docs/faq.mdx: the K/V cache is quantized only with Flash Attention on.
        return f"OLLAMA_FLASH_ATTENTION: true alongside OLLAMA_KV_CACHE_TYPE {kv_cache} (Ollama ignores a quantized K/V cache without it)"
    return None
