"""The stack's configuration: read once, validated whole, handed on as frozen dataclasses.

    values.py    value parsers (one value in, the typed value or Rejected out)
    schema.py    FIELDS: every key the program reads, its parser, default, description, attribute
    model.py     the frozen dataclasses a component receives
    checks.py    rules between keys, over those dataclasses
    reading.py   reading every `homelab-ai:*` key, parsing the rows, building the dataclasses

Components never read ``pulumi.Config`` themselves.
"""

from stack_config.model import (
    Access,
    AppConfig,
    ChartRef,
    ComfyUIConfig,
    ExposureConfig,
    ExposureKind,
    GpuConfig,
    GpuPlugin,
    ImageRef,
    OllamaConfig,
    Resources,
    SharingStrategy,
    StackConfig,
    Storage,
)
from stack_config.problems import ConfigError, Problem
from stack_config.reading import (
    DEFAULT_GPU_NAMESPACE,
    DEFAULT_KEEP_ALIVE,
    parse_stack_config,
    read_stack_config,
    runtime_config,
    runtime_secret_keys,
)
from stack_config.schema import EXPOSURE_KINDS, FIELDS, GPU_PLUGINS, PROJECT, SECTIONS, SHARING_STRATEGIES, Field
from stack_config.values import Rejected, quantity_value

__all__ = [
    "Access", "AppConfig", "ChartRef", "ComfyUIConfig", "ConfigError", "DEFAULT_GPU_NAMESPACE", "DEFAULT_KEEP_ALIVE",
    "EXPOSURE_KINDS", "ExposureConfig", "ExposureKind", "FIELDS", "Field", "GPU_PLUGINS", "GpuConfig", "GpuPlugin",
    "ImageRef", "OllamaConfig", "PROJECT", "Problem", "Rejected", "Resources", "SECTIONS", "SHARING_STRATEGIES",
    "SharingStrategy", "StackConfig", "Storage", "parse_stack_config", "quantity_value", "read_stack_config",
    "runtime_config", "runtime_secret_keys",
]
