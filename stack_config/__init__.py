"""The stack's configuration: read once, validated whole, handed on as frozen dataclasses.

    values.py    value parsers (one value in, the typed value or Rejected out)
    runtime_settings.py  parsers of Ollama's environment and ComfyUI's flags, from each app's source
    platforms.py what each Talos release gives the node, and the defaults that follow from gpu.platform
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
    GpuMetrics,
    GpuPlugin,
    ImageRef,
    OllamaConfig,
    Resources,
    Route,
    SharingStrategy,
    StackConfig,
    Storage,
)
from stack_config.platforms import PLATFORM_DEFAULTS, PLATFORMS, DriverLine, PlatformName
from stack_config.problems import ConfigError, Problem
from stack_config.reading import (
    DEFAULT_GPU_NAMESPACE,
    DEFAULT_KEEP_ALIVE,
    parse_stack_config,
    read_stack_config,
    runtime_config,
    runtime_secret_keys,
)
from stack_config.schema import CONTROLLER_IMPLEMENTATIONS, EXPOSURE_KINDS, FIELDS, GPU_PLUGINS, PROJECT, SECTIONS, SHARING_STRATEGIES, Field
from stack_config.values import Rejected, quantity_value

__all__ = [
    "Access", "AppConfig", "ChartRef", "ComfyUIConfig", "ConfigError", "DEFAULT_GPU_NAMESPACE", "DEFAULT_KEEP_ALIVE",
    "CONTROLLER_IMPLEMENTATIONS", "DriverLine", "EXPOSURE_KINDS", "ExposureConfig", "ExposureKind", "FIELDS", "Field", "GPU_PLUGINS", "GpuConfig",
    "GpuMetrics", "GpuPlugin", "ImageRef", "OllamaConfig", "PLATFORMS", "PLATFORM_DEFAULTS", "PROJECT", "PlatformName",
    "Problem", "Rejected", "Resources", "Route", "SECTIONS", "SHARING_STRATEGIES",
    "SharingStrategy", "StackConfig", "Storage", "parse_stack_config", "quantity_value", "read_stack_config",
    "runtime_config", "runtime_secret_keys",
]
