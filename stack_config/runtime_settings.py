"""What the pinned apps accept at start-up: Ollama's server environment and ComfyUI's command-line flags.

Each table is read from the app's own source at the version the stack runs, so a setting the
app would ignore (Ollama logs and falls back to its default) or refuse (ComfyUI's argparse exits)
fails validation instead. The parsers are config parsers (values.py): they raise Rejected with what
is accepted.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Optional

from stack_config.values import Rejected, quantity_value

# --- Ollama: envconfig/config.go at v0.17.1 (the pinned image tag) ---

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


# --- ComfyUI: comfy/cli_args.py ---
# The image (yanwk/comfyui-boot cu128-megapak-20260223) bundles the newest ComfyUI release tag
# of its build day (cu128-megapak/builder-scripts/preload-cache.sh), and ComfyUI-Manager can
# update the copy on the volume in place. The table holds the flags that have the same meaning
# and arity in comfy/cli_args.py at v0.8.0 (2026-01-07) and at 0.38.1, so the bundled release
# and later ones all accept them. --normalvram is left out: 0.38.1 no longer has it.

_NUMBER_RE = re.compile(r"^\d{1,6}(?:\.\d{1,6})?$")


def _number(value: Any, *, whole: bool, low: float) -> str | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        text = str(value)
    elif isinstance(value, str):
        text = value
    else:
        return None
    if not _NUMBER_RE.match(text) or (whole and "." in text) or float(text) < low:
        return None
    return text


@dataclass(frozen=True)
class Flag:
    values: str = "none"
    """How many values follow: none, one, optional (0 or 1), or many (0 or more)."""
    kind: str = ""
    """What a value is: float, int, or a choice from ``choices``."""
    low: float = 0
    choices: tuple[str, ...] = ()
    group: str = ""
    """argparse's mutually exclusive group: ComfyUI exits when two of one group are given."""

    def parse_value(self, value: Any) -> str | None:
        if self.choices:
            return value if value in self.choices else None
        return _number(value, whole=self.kind == "int", low=self.low)

    @property
    def usage(self) -> str:
        shown = "{" + ",".join(self.choices) + "}" if self.choices else self.kind.upper()
        return {"none": "", "one": f" {shown}", "optional": f" [{shown}]", "many": f" [{shown} ...]"}[self.values]


_VRAM, _ATTENTION, _CACHE = "vram", "attention", "cache"
COMFYUI_FLAGS: Mapping[str, Flag] = {
    "--reserve-vram": Flag("one", "float"),  # GB left to other software: Ollama on a shared card
    "--gpu-only": Flag(group=_VRAM),
    "--highvram": Flag(group=_VRAM),
    "--lowvram": Flag(group=_VRAM),
    "--novram": Flag(group=_VRAM),
    "--disable-smart-memory": Flag(),
    "--async-offload": Flag("optional", "int", low=1),
    "--disable-async-offload": Flag(),
    "--disable-pinned-memory": Flag(),
    "--cuda-malloc": Flag(group="cuda-malloc"),
    "--disable-cuda-malloc": Flag(group="cuda-malloc"),
    "--disable-xformers": Flag(),
    "--use-split-cross-attention": Flag(group=_ATTENTION),
    "--use-quad-cross-attention": Flag(group=_ATTENTION),
    "--use-pytorch-cross-attention": Flag(group=_ATTENTION),
    "--use-sage-attention": Flag(group=_ATTENTION),
    "--use-flash-attention": Flag(group=_ATTENTION),
    "--force-upcast-attention": Flag(group="upcast"),
    "--dont-upcast-attention": Flag(group="upcast"),
    "--force-fp32": Flag(group="fp"),
    "--force-fp16": Flag(group="fp"),
    "--fp32-unet": Flag(group="unet"),
    "--fp64-unet": Flag(group="unet"),
    "--bf16-unet": Flag(group="unet"),
    "--fp16-unet": Flag(group="unet"),
    "--fp8_e4m3fn-unet": Flag(group="unet"),
    "--fp8_e5m2-unet": Flag(group="unet"),
    "--fp8_e8m0fnu-unet": Flag(group="unet"),
    "--fp16-vae": Flag(group="vae"),
    "--fp32-vae": Flag(group="vae"),
    "--bf16-vae": Flag(group="vae"),
    "--cpu-vae": Flag(),
    "--fp8_e4m3fn-text-enc": Flag(group="text-enc"),
    "--fp8_e5m2-text-enc": Flag(group="text-enc"),
    "--fp16-text-enc": Flag(group="text-enc"),
    "--fp32-text-enc": Flag(group="text-enc"),
    "--bf16-text-enc": Flag(group="text-enc"),
    "--supports-fp8-compute": Flag(),
    "--max-upload-size": Flag("one", "float", low=0.001),  # MB: server.py multiplies by 1024 * 1024
    "--preview-method": Flag("one", choices=("none", "auto", "latent2rgb", "taesd")),
    "--preview-size": Flag("one", "int", low=1),
    "--cache-classic": Flag(group=_CACHE),
    "--cache-lru": Flag("one", "int", low=1, group=_CACHE),
    "--cache-none": Flag(group=_CACHE),
    "--cache-ram": Flag("optional", "float", group=_CACHE),
    "--fast": Flag("many", choices=("fp16_accumulation", "fp8_matrix_mult", "cublas_ops", "autotune")),
    "--deterministic": Flag(),
    "--mmap-torch-files": Flag(),
    "--disable-mmap": Flag(),
    "--disable-metadata": Flag(),
    "--disable-all-custom-nodes": Flag(),
    "--disable-api-nodes": Flag(),
    "--dont-print-server": Flag(),
    "--log-stdout": Flag(),
    "--verbose": Flag("optional", choices=("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")),
}
# Refused with a reason: what the program sets itself, or what would defeat the stack.
COMFYUI_FLAGS_REFUSED = {
    "--listen": "the program sets --listen 0.0.0.0",
    "--port": "the program sets --port from comfyui.port",
    "--cpu": "the pod holds a GPU slice; --cpu would keep it and compute on the CPU",
    "--normalvram": "ComfyUI 0.38 removed it; an updated ComfyUI would not start",
}


def comfyui_accepted_flags() -> str:
    return "a list of ComfyUI flags and their values, such as [--reserve-vram, 4, --lowvram]; accepted: " + \
        " ".join(f"{name}{flag.usage}" for name, flag in COMFYUI_FLAGS.items())


def comfyui_args(value: Any) -> tuple[str, ...]:
    """The stack's extra ComfyUI arguments as tokens, checked as the bundled argparse would check them."""
    if not isinstance(value, list) or len(value) > 64:
        raise Rejected(comfyui_accepted_flags())
    tokens: list[str] = []
    groups: dict[str, str] = {}
    index = 0
    while index < len(value):
        name = value[index]
        index += 1
        if not isinstance(name, str) or name not in COMFYUI_FLAGS:
            reason = COMFYUI_FLAGS_REFUSED.get(name) if isinstance(name, str) else None
            shown = repr(name) + (f" ({reason})" if reason else " is not an accepted flag")
            raise Rejected(f"{shown}; {comfyui_accepted_flags()}")
        flag = COMFYUI_FLAGS[name]
        if name in tokens:
            raise Rejected(f"{name} once; {comfyui_accepted_flags()}")
        if flag.group:
            if flag.group in groups:
                raise Rejected(f"at most one of {groups[flag.group]} and {name} (ComfyUI refuses both)")
            groups[flag.group] = name
        tokens.append(name)
        taken = 0
        while index < len(value) and (flag.values == "many" or taken < (0 if flag.values == "none" else 1)):
            item = value[index]
            if isinstance(item, str) and item.startswith("--"):
                break
            parsed = flag.parse_value(item)
            if parsed is None:
                raise Rejected(f"{name}{flag.usage}: {item!r} is not accepted")
            tokens.append(parsed)
            taken += 1
            index += 1
        if flag.values == "one" and taken == 0:
            raise Rejected(f"{name}{flag.usage}: a value after {name}")
    return tuple(tokens)


def comfyui_flag_value(tokens: tuple[str, ...], name: str) -> str | None:
    """The value given to a one-value flag, or None when the flag is absent."""
    if name not in tokens:
        return None
    return tokens[tokens.index(name) + 1]


# ComfyUI's --max-upload-size is in MB that server.py multiplies by 1024 * 1024, default 100.
MIB = 2**20
COMFYUI_DEFAULT_UPLOAD_BYTES = 100 * MIB


def flag_bytes(megabytes: str) -> int:
    """Bytes of a --max-upload-size value."""
    return round(Decimal(megabytes) * MIB)


def mebibytes(size: int) -> str:
    """A byte count as --max-upload-size writes it: MB of 1024 x 1024 bytes, no trailing zeros."""
    return format((Decimal(size) / MIB).normalize(), "f")


def comfyui_upload_size(route_size: Optional[str], args: tuple[str, ...]) -> str:
    """comfyui.route.maxUploadSize as a quantity: as written, else the --max-upload-size the args give, else ComfyUI's default."""
    if route_size is not None:
        return route_size
    flag = comfyui_flag_value(args, "--max-upload-size")
    return f"{flag if flag is not None else mebibytes(COMFYUI_DEFAULT_UPLOAD_BYTES)}Mi"


def comfyui_args_with_upload_size(args: tuple[str, ...], upload_size: str) -> tuple[str, ...]:
    """The stack's ComfyUI flags, with --max-upload-size from the route's size unless they give it
    or it is ComfyUI's default."""
    size = round(quantity_value(upload_size))
    # ComfyUI's own default needs no flag, and leaves CLI_ARGS (and the pod) as they were.
    if "--max-upload-size" in args or size == COMFYUI_DEFAULT_UPLOAD_BYTES:
        return args
    return (*args, "--max-upload-size", mebibytes(size))
