"""Every app the stack can run: the one list `__main__.py` deploys and exports from.

An entry names the app's config section (an `AppConfig` attribute of `StackConfig`, and the
prefix of its outputs), its component, and the labels of the pods its Service selects, which
other apps' egress fences let traffic out to. docs/architecture.md says how an app is added.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Mapping, Optional

import pulumi

from components import comfyui_app, ollama_release, open_webui_app
from components.app import App, AppArgs
from components.network_policies import AppEndpoint
from stack_config import AppConfig


@dataclass(frozen=True)
class AppEntry:
    section: str
    """The app's config section, the name of its component and the prefix of its outputs."""
    component: Callable[..., App]
    """Its component class: called with (name, AppArgs)."""
    pod_labels: Mapping[str, str]
    """The labels of the pods its Service selects."""

    @property
    def outputs(self) -> tuple[str, str]:
        """The stack outputs of its external URL (absent when nothing is exposed) and its in-cluster URL."""
        return f"{self.section}Url", f"{self.section}InternalUrl"

    def endpoint(self, config: AppConfig) -> AppEndpoint:
        return AppEndpoint.of(config, self.pod_labels)

    def deploy(self, args: AppArgs, opts: Optional[pulumi.ResourceOptions] = None) -> App:
        return self.component(self.section, args, opts)


APPS: tuple[AppEntry, ...] = (
    AppEntry("ollama", ollama_release.OllamaRelease, ollama_release.POD_LABELS),
    AppEntry("comfyui", comfyui_app.ComfyUIApp, comfyui_app.POD_LABELS),
    # After the apps it calls: it reads their in-cluster URLs.
    AppEntry("openwebui", open_webui_app.OpenWebUIApp, open_webui_app.POD_LABELS),
)
