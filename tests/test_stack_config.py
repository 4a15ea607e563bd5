"""The config table's own behaviour: defaults, accepted spellings, the typed result."""

from __future__ import annotations

import dataclasses
from decimal import Decimal
from typing import get_type_hints

import pytest

from stack_config import FIELDS, SECTIONS, ConfigError, StackConfig, parse_stack_config, quantity_value
from stack_config.defaults import plan_attributes, platform_attributes
from stack_config.vocabulary import PLATFORMS


def test_an_empty_stack_gets_talos_1_13_the_default_apps_and_no_exposure():
    config = parse_stack_config({})
    assert (config.gpu.platform, config.gpu.driver) == ("talos-1.13", "580")
    assert config.gpu.plugin == "gpu-operator" and config.gpu.namespace == "gpu-operator"
    assert config.gpu.gpu_operator_chart.version == "v26.3.3" and config.gpu.runtime_class is None
    assert config.exposure.kind == "none"
    assert config.ollama.image.reference == "ollama/ollama:0.17.1"
    assert config.ollama.storage.size == "100Gi" and config.ollama.storage.storage_class == "longhorn"
    assert config.comfyui.image.reference == "yanwk/comfyui-boot:cu130-megapak-pt211-20260701"
    assert config.comfyui.disable_xformers is False
    assert config.comfyui.resources.limits() == {"cpu": "4000m", "memory": "8Gi"}
    assert config.comfyui.data_path == "/root"
    assert config.ollama.hostname is None


@pytest.mark.parametrize("text, value", [
    ("100Gi", Decimal(100 * 2**30)),
    ("500G", Decimal(500 * 10**9)),
    ("1000m", Decimal(1)),
    ("0.5", Decimal("0.5")),
    ("1e3", Decimal(1000)),
    ("+4", Decimal(4)),
])
def test_kubernetes_quantities_are_read_as_kubernetes_reads_them(text, value):
    assert quantity_value(text) == value


@pytest.mark.parametrize("text", ["100GB", "1.2.3", "", "Gi", "-1Gi", "1 Gi", "1gi"])
def test_non_quantities_are_refused(text):
    with pytest.raises(ValueError):
        quantity_value(text)


@pytest.mark.parametrize("size", ["100Gi", "500G", "1Ti", "1Gi", "1073741824k"])
def test_storage_sizes_with_a_byte_unit_are_accepted(size):
    config = parse_stack_config({"ollama": {"storage": {"size": size}}})
    assert config.ollama.storage.size == size


@pytest.mark.parametrize("size", ["107374182400", "1e3", "1e11", "1023Mi", "100000m", "4"])
def test_storage_sizes_without_a_byte_unit_or_below_one_gibibyte_are_refused(size):
    with pytest.raises(ConfigError) as raised:
        parse_stack_config({"ollama": {"storage": {"size": size}}})
    [problem] = raised.value.problems
    assert problem.key == "ollama.storage.size" and problem.value == size
    assert "with a unit" in problem.accepted and "at least 1Gi" in problem.accepted


@pytest.mark.parametrize("memory", ["4", "63Mi", "4e9", "512"])
def test_memory_without_a_byte_unit_or_below_64_mebibytes_is_refused(memory):
    with pytest.raises(ConfigError) as raised:
        parse_stack_config({"comfyui": {"resources": {"requests": {"memory": memory}}}})
    assert [(p.key, p.value) for p in raised.value.problems] == [("comfyui.resources.requests.memory", memory)]
    assert "at least 64Mi" in raised.value.problems[0].accepted


def test_cpu_written_as_a_yaml_number_means_that_many_cpus():
    config = parse_stack_config({"ollama": {"resources": {"requests": {"cpu": 0.5}, "limits": {"cpu": 4}}}})
    assert config.ollama.resources.requests()["cpu"] == "0.5"
    assert config.ollama.resources.limits()["cpu"] == "4"


def test_an_empty_talos_1_12_stack_gets_the_device_plugin_and_the_cuda_12_8_image():
    config = parse_stack_config({"gpu": {"platform": "talos-1.12"}})
    assert (config.gpu.driver, config.gpu.plugin, config.gpu.runtime_class) == ("570", "device-plugin", "nvidia")
    assert config.gpu.namespace == "nvidia-device-plugin" and config.gpu.gpu_operator_chart.version == "v25.10.1"
    assert config.comfyui.image.reference == "yanwk/comfyui-boot:cu128-megapak-20260223"
    assert config.comfyui.disable_xformers is True


def test_driver_580_on_talos_1_12_gets_the_cuda_13_image():
    config = parse_stack_config({"gpu": {"platform": "talos-1.12", "driver": 580}})
    assert config.gpu.driver == "580"
    assert config.comfyui.image.tag == "cu130-megapak-pt211-20260701" and config.comfyui.disable_xformers is False


def test_gpu_namespace_follows_the_plugin_mode_unless_set():
    assert parse_stack_config({"gpu": {"plugin": "gpu-operator"}}).gpu.namespace == "gpu-operator"
    assert parse_stack_config({"gpu": {"plugin": "none"}}).gpu.namespace is None
    assert parse_stack_config({"gpu": {"namespace": "gpu"}}).gpu.namespace == "gpu"


def _leaf_attributes(cls: type, prefix: str = "") -> set[str]:
    hints = get_type_hints(cls)
    leaves: set[str] = set()
    for attribute in dataclasses.fields(cls):
        kind = hints[attribute.name]
        if dataclasses.is_dataclass(kind):
            leaves |= _leaf_attributes(kind, f"{prefix}{attribute.name}.")  # type: ignore[arg-type]
        else:
            leaves.add(prefix + attribute.name)
    return leaves


@pytest.mark.parametrize("section", SECTIONS)
def test_every_dataclass_field_is_filled_by_exactly_one_config_row_or_the_platform(section):
    section_type = get_type_hints(StackConfig)[section]
    attributes = [f.attribute for f in FIELDS if f.section == section]
    if section == "gpu":
        attributes += list(platform_attributes({"gpu.platform": PLATFORMS[0]}))
    keys = {f.key: None for f in FIELDS}
    attributes += list(plan_attributes({**keys, "gpu.memory": None}).get(section, {}))
    assert sorted(attributes) == sorted(_leaf_attributes(section_type))
