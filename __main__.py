"""homelab-ai: the GPU node's plumbing and every app of components/registry.py, from this stack's config."""

import pulumi

from components.app import App, AppArgs
from components.gpu_node_stack import GpuNodeStack, GpuNodeStackArgs
from components.network_policies import clients_of
from components.registry import APPS
from stack_config import read_stack_config

config = read_stack_config()
app_configs = config.installed_apps
installed = [entry for entry in APPS if entry.section in app_configs]
# An app that lets another app's namespace in (`access.clientNamespaces`) is useless to it unless
# that namespace's own egress fence lets it out too.
endpoints = [entry.endpoint(app_configs[entry.section]) for entry in installed]

gpu = GpuNodeStack("gpu", GpuNodeStackArgs(config=config.gpu))
apps: dict[str, App] = {}
for entry in installed:
    apps[entry.section] = entry.deploy(AppArgs(
        config=app_configs[entry.section], exposure=config.exposure, gpu=gpu, backups=config.backups,
        reaches=clients_of(app_configs[entry.section].namespace, endpoints),
        internal_urls={section: app.internal_url for section, app in apps.items()}))

for entry in installed:
    external, internal = entry.outputs
    pulumi.export(external, apps[entry.section].external_url)
    pulumi.export(internal, apps[entry.section].internal_url)
pulumi.export("namespaces", {"gpu": gpu.namespace, **{section: app.namespace for section, app in apps.items()}})
pulumi.export("gpuRuntimeClass", gpu.runtime_class_name)
pulumi.export("gpuCapacity", gpu.capacity)
pulumi.export("gpuHolders", [section for section, app in app_configs.items() if app.gpu_demand])
if config.gpu.vram_budgets:
    # What `python -m smoke` measures each app's VRAM against.
    pulumi.export("vramPlan", {"memory": config.gpu.memory_bytes,
                               "slack": config.gpu.vram_slack_bytes,
                               "budgets": dict(config.gpu.vram_budgets)})
