"""The command line: where the URLs come from, which apps to check, the table and the exit status."""

from __future__ import annotations

import argparse
import os
import sys
from typing import Any, TextIO
from urllib.parse import urlsplit

from smoke.checks import FAIL, SKIP, CheckResult, all_passed, render_table, summary
from smoke.comfyui import comfyui_checks
from smoke.http_api import HttpApi
from smoke.ollama import ollama_checks
from smoke.open_webui import Credentials, open_webui_checks
from smoke.stack_outputs import (
    APP_URL_OUTPUTS,
    RUNTIME_CLASS_OUTPUT,
    VRAM_PLAN_OUTPUT,
    StackOutputsError,
    read_stack_config_value,
    read_stack_outputs,
    stack_config_command,
    stack_output_command,
)

APPS = tuple(APP_URL_OUTPUTS)
# What `kubectl port-forward` needs to reach an app without its route, with the program's defaults:
# its namespace, its Service and its port.
PORT_FORWARD = {"ollama": ("ollama", "ollama", 11434), "comfyui": ("comfyui", "comfyui", 8188),
                "openwebui": ("open-webui", "open-webui", 8080)}
DEFAULT_RUNTIME_CLASS = "nvidia"
# Open WebUI's admin, when the CLI should not be asked for it (the password is a stack secret).
CREDENTIAL_VARIABLES = {"adminEmail": "OPEN_WEBUI_EMAIL", "adminPassword": "OPEN_WEBUI_PASSWORD"}


def _is_http_url(value: str) -> bool:
    parts = urlsplit(value)
    return parts.scheme in ("http", "https") and bool(parts.hostname)


def _http_url(value: str) -> str:
    if not _is_http_url(value):
        raise argparse.ArgumentTypeError(f"{value!r} is not an http:// or https:// URL with a host")
    return value


def _seconds(value: str) -> float:
    try:
        seconds = float(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a number of seconds") from None
    if not seconds > 0:
        raise argparse.ArgumentTypeError(f"{value!r} is not a positive number of seconds")
    return seconds


def parser() -> argparse.ArgumentParser:
    command = argparse.ArgumentParser(
        prog="python -m smoke",
        description=(
            "Checks that a deployed stack's Ollama and ComfyUI answer, and answer from the GPU: Ollama's "
            "/, /api/version, /api/tags, a short /api/generate, /api/chat, /v1/chat/completions and "
            "/api/ps (the whole model in VRAM, none of it on the CPU), and ComfyUI's /system_stats (a cuda device) "
            "and /queue; under the stack's VRAM plan (its vramPlan output), each app's VRAM against its budget "
            "(VRAM budget); and, where the "
            "stack deploys it, that Open WebUI answers (/health, /api/config: its admin exists), signs its "
            "admin in and chats through the stack's Ollama (/ollama/api/tags, /ollama/api/chat). Prints a "
            "table of checks; exits 0 only when every check passed."
        ),
        epilog=(
            "URLs: --ollama-url/--comfyui-url/--openwebui-url (which then choose the apps checked), else the "
            f"stack's outputs from `{' '.join(stack_output_command('<stack>'))}` "
            "(<app>Url; with --internal <app>InternalUrl). An app the stack deploys without an external URL "
            "fails; one it does not deploy is skipped. Open WebUI's admin comes from OPEN_WEBUI_EMAIL and "
            "OPEN_WEBUI_PASSWORD, else from `pulumi config get --path openwebui.adminEmail` (and adminPassword). "
            "Requests go to those URLs only; redirects are reported, not followed."
        ),
    )
    command.add_argument("stack", help="the Pulumi stack, for example homelab")
    command.add_argument("--ollama-url", type=_http_url, metavar="URL", help="Ollama's base URL (skips the stack's)")
    command.add_argument("--comfyui-url", type=_http_url, metavar="URL", help="ComfyUI's base URL (skips the stack's)")
    command.add_argument("--openwebui-url", type=_http_url, metavar="URL", help="Open WebUI's base URL (skips the stack's)")
    command.add_argument(
        "--internal", action="store_true",
        help="use the stack's in-cluster Service URLs (*.svc.cluster.local), when run from a pod in the cluster",
    )
    command.add_argument(
        "--app", action="append", choices=APPS,
        help="check only this app (repeatable); the other is reported as skipped. Default: both",
    )
    command.add_argument("--model", help="the pulled Ollama model to run (default: the first in /api/tags)")
    command.add_argument(
        "--timeout", type=_seconds, default=10.0, metavar="SECONDS",
        help="per-request timeout of the quick checks (default: 10)",
    )
    command.add_argument(
        "--generate-timeout", type=_seconds, default=300.0, metavar="SECONDS",
        help="timeout of generate, chat and /v1/chat/completions; the first one loads the model into "
        "VRAM (default: 300)",
    )
    return command


def _stack_url(app: str, stack: str, outputs: dict[str, Any] | None, error: str | None,
               internal: bool) -> tuple[str | None, str]:
    """The app's URL from the stack's outputs and where it came from, or None and why not."""
    if outputs is None:
        return None, f"no URL: {error}"
    external, in_cluster = APP_URL_OUTPUTS[app]
    output = in_cluster if internal else external
    url = outputs.get(output)
    if url is None:
        namespace, service, port = PORT_FORWARD[app]
        return None, (
            f"stack {stack} exports no {output} (exposure.kind none, or not deployed): pass --{app}-url, "
            f"for example http://localhost:{port} with kubectl -n {namespace} port-forward svc/{service} {port}"
        )
    if not isinstance(url, str) or not _is_http_url(url):
        return None, f"stack output {output} is {url!r}, not an http(s) URL"
    return url, f"stack output {output}"


def _not_installed(app: str, given: str | None, outputs: dict[str, Any] | None) -> bool:
    """The stack exports neither of the app's URLs: it does not deploy the app (its `installed` is false)."""
    return given is None and outputs is not None and not any(name in outputs for name in APP_URL_OUTPUTS[app])


def _open_webui_credentials(stack: str) -> tuple[Credentials | None, str]:
    """The admin's email and password: from OPEN_WEBUI_EMAIL and OPEN_WEBUI_PASSWORD, else the stack's config."""
    values: dict[str, str] = {}
    for key, variable in CREDENTIAL_VARIABLES.items():
        value = os.environ.get(variable)
        if not value:
            try:
                value = read_stack_config_value(stack, f"openwebui.{key}")
            except StackOutputsError as failure:
                return None, (f"no admin to sign in as: set {variable}, or let `{' '.join(stack_config_command(stack, f'openwebui.{key}'))}` "
                              f"answer ({failure})")
        values[key] = value
    return Credentials(values["adminEmail"], values["adminPassword"]), ""


def _vram_budgets(outputs: dict[str, Any] | None) -> dict[str, int]:
    """Each app's VRAM budget in bytes, from the stack's vramPlan output; none without a plan (or without outputs)."""
    plan = (outputs or {}).get(VRAM_PLAN_OUTPUT)
    budgets = plan.get("budgets") if isinstance(plan, dict) else None
    if not isinstance(budgets, dict):
        return {}
    return {app: int(budget) for app, budget in budgets.items() if isinstance(budget, (int, float)) and budget > 0}


def run(args: argparse.Namespace, out: TextIO) -> int:
    given: dict[str, str | None] = {app: getattr(args, f"{app}_url") for app in APPS}
    # The apps named, else the apps whose URLs are given, else every app the stack deploys.
    selected = args.app or [app for app in APPS if given[app]] or list(APPS)
    outputs: dict[str, Any] | None = None
    error: str | None = None
    if any(given[app] is None for app in selected):
        try:
            outputs = read_stack_outputs(args.stack)
        except StackOutputsError as failure:
            error = str(failure)
    runtime_class = (outputs or {}).get(RUNTIME_CLASS_OUTPUT)
    if not isinstance(runtime_class, str):
        runtime_class = DEFAULT_RUNTIME_CLASS

    budgets = _vram_budgets(outputs)

    print(f"Smoke check of stack {args.stack}", file=out)
    results: list[CheckResult] = []
    for app in APPS:
        if app not in selected:
            results.append(CheckResult(app, "-", SKIP, None, f"not asked for (--app, or --{app}-url beside the others)"))
            continue
        if _not_installed(app, given[app], outputs):
            results.append(CheckResult(app, "-", SKIP, None, f"stack {args.stack} does not deploy it ({app}.installed)"))
            continue
        url, source = (given[app], f"--{app}-url") if given[app] else _stack_url(
            app, args.stack, outputs, error, args.internal
        )
        if url is None:
            results.append(CheckResult(app, "URL", FAIL, None, source))
            continue
        print(f"  {app:<8} {url}  ({source})", file=out, flush=True)
        api = HttpApi(url, timeout=args.timeout)
        if app == "ollama":
            results += ollama_checks(
                api, model=args.model, generate_timeout=args.generate_timeout, runtime_class=runtime_class,
                budget=budgets.get(app),
            )
        elif app == "comfyui":
            results += comfyui_checks(api, runtime_class=runtime_class, budget=budgets.get(app))
        else:
            credentials, why_none = _open_webui_credentials(args.stack)
            results += open_webui_checks(api, credentials=credentials, why_no_credentials=why_none, model=args.model,
                                         generate_timeout=args.generate_timeout)
    print(file=out)
    print(render_table(results), file=out)
    print(file=out)
    print(summary(results), file=out)
    return 0 if all_passed(results) else 1


def main(argv: list[str], out: TextIO = sys.stdout) -> int:
    return run(parser().parse_args(argv), out)
