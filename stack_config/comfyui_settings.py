"""ComfyUI's command-line flags as the pinned image's argparse reads them (comfy/cli_args.py).

A flag ComfyUI would refuse (its argparse exits) fails validation instead. The parsers are config
parsers (values.py): they raise Rejected with what is accepted.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Optional

from stack_config.quantities import quantity_bytes
from stack_config.values import Rejected

# --- ComfyUI: comfy/cli_args.py ---
# The image (yanwk/comfyui-boot cu128-megapak-20260223) bundles the newest ComfyUI release tag
# of its build day (cu128-megapak/builder-scripts/preload-cache.sh), and ComfyUI-Manager can
# update the copy on the volume in place. The table holds the flags that have the same meaning
# and arity in comfy/cli_args.py at v0.8.0 (2026-01-07) and at 0.38.1, so the bundled release
# and later ones all accept them. --normalvram is left out: 0.38.1 no longer has it.
# The Dynamic VRAM flags (--vram-headroom, --disable-dynamic-vram, --enable-dynamic-vram,
# --disable-nvml-pressure) are in 0.38.1's cli_args.py and not in the estimate-based loader's
# releases: a flag's `loaders` says which loader generation (vram_plan.LOADERS) parses it.

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
class CliFlag:
    values: str = "none"
    """How many values follow: none, one, optional (0 or 1), or many (0 or more)."""
    kind: str = ""
    """What a value is: float, int, or a choice from ``choices``."""
    low: float = 0
    choices: tuple[str, ...] = ()
    group: str = ""
    """argparse's mutually exclusive group: ComfyUI exits when two of one group are given."""
    loaders: tuple[str, ...] = ("estimate", "dynamic")
    """The loader generations whose cli_args.py has the flag; any other exits at the unknown argument."""

    def parse_value(self, value: Any) -> str | None:
        if self.choices:
            return value if value in self.choices else None
        return _number(value, whole=self.kind == "int", low=self.low)

    @property
    def usage(self) -> str:
        shown = "{" + ",".join(self.choices) + "}" if self.choices else self.kind.upper()
        return {"none": "", "one": f" {shown}", "optional": f" [{shown}]", "many": f" [{shown} ...]"}[self.values]


_VRAM, _ATTENTION, _CACHE = "vram", "attention", "cache"
COMFYUI_FLAGS: Mapping[str, CliFlag] = {
    "--reserve-vram": CliFlag("one", "float"),  # GB left to other software: Ollama on a shared card
    "--gpu-only": CliFlag(group=_VRAM),
    "--highvram": CliFlag(group=_VRAM),
    "--lowvram": CliFlag(group=_VRAM),
    "--novram": CliFlag(group=_VRAM),
    "--disable-smart-memory": CliFlag(),
    # 0.38.1 cli_args.py: "ComfyUI will try and keep this much VRAM completely free and unused, even
    # counting VRAM from other apps" (GB); main.py hands it to comfy_aimdo.control.init_devices.
    "--vram-headroom": CliFlag("one", "float", loaders=("dynamic",)),
    "--disable-dynamic-vram": CliFlag(loaders=("dynamic",)),
    "--enable-dynamic-vram": CliFlag(loaders=("dynamic",)),
    "--disable-nvml-pressure": CliFlag(loaders=("dynamic",)),
    "--async-offload": CliFlag("optional", "int", low=1),
    "--disable-async-offload": CliFlag(),
    "--disable-pinned-memory": CliFlag(),
    "--cuda-malloc": CliFlag(group="cuda-malloc"),
    "--disable-cuda-malloc": CliFlag(group="cuda-malloc"),
    "--disable-xformers": CliFlag(),
    "--use-split-cross-attention": CliFlag(group=_ATTENTION),
    "--use-quad-cross-attention": CliFlag(group=_ATTENTION),
    "--use-pytorch-cross-attention": CliFlag(group=_ATTENTION),
    "--use-sage-attention": CliFlag(group=_ATTENTION),
    "--use-flash-attention": CliFlag(group=_ATTENTION),
    "--force-upcast-attention": CliFlag(group="upcast"),
    "--dont-upcast-attention": CliFlag(group="upcast"),
    "--force-fp32": CliFlag(group="fp"),
    "--force-fp16": CliFlag(group="fp"),
    "--fp32-unet": CliFlag(group="unet"),
    "--fp64-unet": CliFlag(group="unet"),
    "--bf16-unet": CliFlag(group="unet"),
    "--fp16-unet": CliFlag(group="unet"),
    "--fp8_e4m3fn-unet": CliFlag(group="unet"),
    "--fp8_e5m2-unet": CliFlag(group="unet"),
    "--fp8_e8m0fnu-unet": CliFlag(group="unet"),
    "--fp16-vae": CliFlag(group="vae"),
    "--fp32-vae": CliFlag(group="vae"),
    "--bf16-vae": CliFlag(group="vae"),
    "--cpu-vae": CliFlag(),
    "--fp8_e4m3fn-text-enc": CliFlag(group="text-enc"),
    "--fp8_e5m2-text-enc": CliFlag(group="text-enc"),
    "--fp16-text-enc": CliFlag(group="text-enc"),
    "--fp32-text-enc": CliFlag(group="text-enc"),
    "--bf16-text-enc": CliFlag(group="text-enc"),
    "--supports-fp8-compute": CliFlag(),
    "--max-upload-size": CliFlag("one", "float", low=0.001),  # MB: server.py multiplies by 1024 * 1024
    "--preview-method": CliFlag("one", choices=("none", "auto", "latent2rgb", "taesd")),
    "--preview-size": CliFlag("one", "int", low=1),
    "--cache-classic": CliFlag(group=_CACHE),
    "--cache-lru": CliFlag("one", "int", low=1, group=_CACHE),
    "--cache-none": CliFlag(group=_CACHE),
    "--cache-ram": CliFlag("optional", "float", group=_CACHE),
    "--fast": CliFlag("many", choices=("fp16_accumulation", "fp8_matrix_mult", "cublas_ops", "autotune")),
    "--deterministic": CliFlag(),
    "--mmap-torch-files": CliFlag(),
    "--disable-mmap": CliFlag(),
    "--disable-metadata": CliFlag(),
    "--disable-all-custom-nodes": CliFlag(),
    "--disable-api-nodes": CliFlag(),
    "--dont-print-server": CliFlag(),
    "--log-stdout": CliFlag(),
    "--verbose": CliFlag("optional", choices=("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")),
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
    size = quantity_bytes(upload_size)
    # ComfyUI's own default needs no flag, and leaves CLI_ARGS (and the pod) as they were.
    if "--max-upload-size" in args or size == COMFYUI_DEFAULT_UPLOAD_BYTES:
        return args
    return (*args, "--max-upload-size", mebibytes(size))


# --- ComfyUI: folder_paths.py ---
# The files ComfyUI lists as models: supported_pt_extensions.
MODEL_FILE_EXTENSIONS = (".ckpt", ".pt", ".pt2", ".bin", ".pth", ".safetensors", ".pkl", ".sft")
_MODEL_FILE_RE = re.compile(r"^(?:[A-Za-z0-9_][A-Za-z0-9_.+ -]*/)*[A-Za-z0-9_][A-Za-z0-9_.+ -]*$")


def checkpoint_name(value: Any) -> str:
    """A model file as ComfyUI names it: its path below the model folder, such as `SDXL/model.safetensors`."""
    accepted = (f"a model file name below ComfyUI's models/checkpoints/, such as sd_xl_base_1.0.safetensors, "
                f"ending in {', '.join(MODEL_FILE_EXTENSIONS)}")
    if not isinstance(value, str) or len(value) > 255 or ".." in value.split("/") or not _MODEL_FILE_RE.match(value) \
            or not value.endswith(MODEL_FILE_EXTENSIONS):
        raise Rejected(accepted)
    return value
