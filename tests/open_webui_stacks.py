"""The Open WebUI section a test turns on, beside the homelab's own sections."""

from __future__ import annotations

from typing import Any

# `pulumi config set --secret --path openwebui.<key>` marks the whole section secret.
OPEN_WEBUI_SECRET_KEYS = ("homelab-ai:openwebui",)
ADMIN_PASSWORD = "correct horse battery staple"
SECRET_KEY = "5f0c8a2e" * 8
OPEN_WEBUI_ON: dict[str, Any] = {
    "installed": True,
    "hostname": "chat.madhan.app",
    "adminEmail": "admin@madhan.app",
    "adminPassword": ADMIN_PASSWORD,
    "secretKey": SECRET_KEY,
}
