"""Open WebUI's checks: it answers, it has its admin, and its chat reaches the stack's Ollama.

Open WebUI 0.11.0 (open_webui/main.py, routers/auths.py, routers/ollama.py in the `open-webui` wheel):
`GET /health` answers `{"status": true}`; `GET /api/config` answers without a session, with
`onboarding: true` while the database has no user and `features.enable_signup`; `POST
/api/v1/auths/signin` with `{"email", "password"}` answers the session with its `token`; below
`/ollama` is its proxy to the Ollama URLs it was given, for a signed-in user, answering as Ollama does.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from smoke.checks import AppChecks, CheckFailed, CheckResult, Passed
from smoke.http_api import HttpApi
from smoke.ollama import chat, pulled_model


@dataclass(frozen=True)
class Credentials:
    email: str
    password: str


def _health(api: HttpApi) -> Passed[None]:
    answer = api.json("GET", "/health")
    if not isinstance(answer, dict) or answer.get("status") is not True:
        raise CheckFailed(f"answered {answer!r}, not {{'status': true}}: is this URL Open WebUI?")
    return Passed("status true", None)


def _config(api: HttpApi) -> Passed[None]:
    config: Any = api.json("GET", "/api/config")
    if not isinstance(config, dict) or not isinstance(config.get("features"), dict):
        raise CheckFailed("answer has no features: is this URL Open WebUI?")
    if config.get("onboarding") is True:
        raise CheckFailed(
            "no account exists yet: whoever signs up first becomes admin. The admin from openwebui.adminEmail "
            "was not created (its log says why); scale it to 0 (enabled: false) until it is"
        )
    features = config["features"]
    signup = "sign-up open" if features.get("enable_signup") else "sign-up off"
    return Passed(f"Open WebUI {config.get('version', '?')}; admin exists, {signup}", None)


def _sign_in(api: HttpApi, credentials: Credentials | None, why_none: str) -> Passed[str]:
    if credentials is None:
        raise CheckFailed(why_none)
    answer = api.json("POST", "/api/v1/auths/signin", {"email": credentials.email, "password": credentials.password})
    token = answer.get("token") if isinstance(answer, dict) else None
    if not isinstance(token, str) or not token:
        raise CheckFailed("answer has no session token")
    return Passed(f"signed in as {credentials.email} ({answer.get('role', '?')})", token)


def open_webui_checks(api: HttpApi, *, credentials: Credentials | None, why_no_credentials: str,
                      model: str | None, generate_timeout: float) -> list[CheckResult]:
    checks = AppChecks("openwebui")
    checks.run("GET /health", lambda: _health(api))
    checks.run("GET /api/config", lambda: _config(api))
    through_ollama = ("GET /ollama/api/tags", "POST /ollama/api/chat")
    token = checks.run("POST /api/v1/auths/signin", lambda: _sign_in(api, credentials, why_no_credentials))
    if token is None:
        for check in through_ollama:
            checks.skip(check, checks.stopped or "not run: needs a session")
        return checks.results
    ollama = api.below("/ollama", {"Authorization": f"Bearer {token}"})
    chosen = checks.run("GET /ollama/api/tags", lambda: pulled_model(ollama, model))
    if chosen is None:
        checks.skip("POST /ollama/api/chat", checks.stopped or "not run: needs a model Ollama lists")
        return checks.results
    checks.run("POST /ollama/api/chat", lambda: chat(ollama, chosen, generate_timeout))
    return checks.results
