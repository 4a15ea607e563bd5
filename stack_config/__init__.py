"""The stack's configuration: read once, validated whole, handed on as frozen dataclasses.

From the leaves up (no module imports one above it):

    vocabulary.py        the closed vocabularies (Literals) and the project's name
    values.py            value parsers (one value in, the typed value or Rejected out)
    quantities.py        Kubernetes quantities: their value, and the CPU and byte parsers
    ollama_settings.py   Ollama's server environment, from its source
    comfyui_settings.py  ComfyUI's command-line flags, from its source
    open_webui_settings.py  Open WebUI's own settings, from its source
    longhorn_settings.py Longhorn's recurring-job schedules and backup targets, from its source
    platforms.py         the platform table: what each Talos release gives the GPU node
    vram_plan.py         the VRAM plan's formulas: each GPU app's memory knobs from the budgets
    model.py             the frozen dataclasses a component receives
    problems.py          what a refused config reports
    schema.py            FIELDS: every key the program reads, its parser, default, description, attribute
    defaults.py          the defaults that follow from other keys (the platform's, each mode's)
    checks.py            rules between keys, over the dataclasses
    reading.py           reading every `homelab-ai:*` key, parsing the rows, building the dataclasses
    stack_files.py       the same from Pulumi.<stack>.yaml and Pulumi.yaml, for the tools without the CLI
    reference.py         docs/configuration.md from FIELDS

Components never read ``pulumi.Config`` themselves.
"""

from stack_config.model import (
    Access,
    AppConfig,
    Backup,
    BackupsConfig,
    ComfyUIConfig,
    ExposureConfig,
    GpuConfig,
    OllamaConfig,
    OpenWebUIConfig,
    Route,
    StackConfig,
    Storage,
)
from stack_config.problems import ConfigError, Problem
from stack_config.quantities import quantity_bytes, quantity_value
from stack_config.reading import parse_stack_config, read_stack_config
from stack_config.schema import FIELDS, SECTIONS, Field
from stack_config.vocabulary import PROJECT

__all__ = [
    "Access", "AppConfig", "Backup", "BackupsConfig", "ComfyUIConfig", "ConfigError", "ExposureConfig", "FIELDS", "Field", "GpuConfig",
    "OllamaConfig", "OpenWebUIConfig", "PROJECT", "Problem", "Route", "SECTIONS", "StackConfig", "Storage", "parse_stack_config",
    "quantity_bytes", "quantity_value", "read_stack_config",
]
