"""Apps with a login of their own, read from their Helm release's values: whether that login keeps
strangers out. A new chart is one entry of CHART_LOGINS, read from the app's source at its pinned version."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any, Callable, Optional

from .readers import mapping, sequence


@dataclass(frozen=True)
class Login:
    app: str
    refusal: Optional[str]
    """Why the login lets a stranger in; None when it keeps them out."""

    @property
    def guards(self) -> bool:
        return self.refusal is None


def _container_env(values: Mapping[str, Any]) -> dict[str, Any]:
    """The container's environment the chart renders from these values, by name; the last entry wins,
    as in a pod. open-webui 16.0.0 writes `extraEnvVars` (a list, or a map of name to value) and then
    `commonEnvVars` after its own entries (templates/workload-manager.yaml)."""
    env: dict[str, Any] = {}
    extra = values.get("extraEnvVars")
    entries = ([{"name": name, "value": value} for name, value in extra.items()] if isinstance(extra, Mapping)
               else list(sequence(extra)))
    for entry in (*entries, *sequence(values.get("commonEnvVars"))):
        item = mapping(entry)
        if isinstance(item.get("name"), str):
            env[item["name"]] = item.get("value") if "value" in item else item.get("valueFrom")
    return env


def _is_true(value: Any, default: str) -> bool:
    """Open WebUI's reading of a flag: `os.getenv(NAME, default).lower() == 'true'`."""
    text = default if value is None else value
    return isinstance(text, str) and text.lower() == "true"


def open_webui_login(values: Mapping[str, Any]) -> Login:
    """Open WebUI 0.11.0: WEBUI_AUTH and ENABLE_SIGNUP default to True (open_webui/env.py, config.py);
    the first sign-up becomes admin unless WEBUI_ADMIN_EMAIL and WEBUI_ADMIN_PASSWORD create one at start
    (main.py, routers/auths.py); a trusted email header signs in whoever it names (routers/auths.py, signin)."""
    env = _container_env(values)
    sso = mapping(values.get("sso"))
    trusted = env.get("WEBUI_AUTH_TRUSTED_EMAIL_HEADER") or (
        sso.get("enabled") is True and mapping(sso.get("trustedHeader")).get("enabled") is True)
    if not _is_true(env.get("WEBUI_AUTH"), "True"):
        refusal = "has WEBUI_AUTH off: no login at all"
    elif not (env.get("WEBUI_ADMIN_EMAIL") and env.get("WEBUI_ADMIN_PASSWORD")):
        refusal = ("creates no admin at start (WEBUI_ADMIN_EMAIL and WEBUI_ADMIN_PASSWORD): the first visitor to "
                   "sign up becomes admin")
    elif _is_true(env.get("ENABLE_SIGNUP"), "True"):
        refusal = "lets anyone sign up (ENABLE_SIGNUP is not False)"
    elif trusted:
        refusal = "signs in whoever a trusted header names: only the forward-auth proxy vouches for that"
    else:
        refusal = None
    return Login("Open WebUI", refusal)


CHART_LOGINS: Mapping[str, Callable[[Mapping[str, Any]], Login]] = MappingProxyType({
    "open-webui": open_webui_login,
})
