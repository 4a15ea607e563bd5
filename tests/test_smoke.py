"""`python -m smoke` against local servers answering as Ollama 0.17.1 and ComfyUI do, healthy and broken."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from fake_apis import (
    ADMIN,
    MODEL,
    MODEL_SIZE,
    OPEN_WEBUI_TOKEN,
    Reply,
    closed_port_url,
    comfyui_routes,
    ollama_routes,
    open_webui_config,
    open_webui_routes,
    running_model,
    serve,
)
from registrations import named

from smoke.cli import main
from smoke.stack_outputs import PROJECT_DIR

OLLAMA_SEQUENCE = [
    "GET /", "GET /api/version", "GET /api/tags", "POST /api/generate", "POST /api/chat",
    "POST /v1/chat/completions", "GET /api/ps",
]


@pytest.fixture(autouse=True)
def no_proxy_between_us_and_the_fakes(monkeypatch):
    for name in ("http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY", "all_proxy", "ALL_PROXY"):
        monkeypatch.delenv(name, raising=False)


def smoke(*argv: str) -> tuple[int, str]:
    out = io.StringIO()
    status = main(list(argv), out=out)
    return status, out.getvalue()


def table(output: str) -> dict[tuple[str, str], tuple[str, str]]:
    """The printed table: (app, check) -> (status, detail), cut at the header's column positions."""
    lines = output.splitlines()
    header = next(i for i, line in enumerate(lines) if line.startswith("APP "))
    check, status, time_, detail = (lines[header].index(name) for name in ("CHECK", "STATUS", "TIME", "DETAIL"))
    rows = {}
    for line in lines[header + 1:]:
        if not line:
            break
        rows[line[:check].strip(), line[check:status].strip()] = (line[status:time_].strip(), line[detail:])
    return rows


def row(output: str, app: str, check: str) -> str:
    return table(output)[app, check][1]


def status_of(output: str, app: str, check: str) -> str:
    return table(output)[app, check][0]


def test_healthy_apis_pass_every_check_and_report_tokens_per_second():
    with serve(ollama_routes()) as ollama, serve(comfyui_routes()) as comfyui:
        status, output = smoke("homelab", "--ollama-url", ollama.url, "--comfyui-url", comfyui.url)

    assert status == 0, output
    assert ollama.paths() == OLLAMA_SEQUENCE
    assert comfyui.paths() == ["GET /system_stats", "GET /queue"]
    for check in OLLAMA_SEQUENCE:
        assert status_of(output, "ollama", check) == "PASS"
    # docs/api.md's generate example: 290 tokens in 4709213000 ns = 61.58 tokens/s; chat: 298 in 4799921000 ns.
    assert "290 tokens in 4.71 s: 61.6 tokens/s" in row(output, "ollama", "POST /api/generate")
    assert "298 tokens in 4.80 s: 62.1 tokens/s" in row(output, "ollama", "POST /api/chat")
    assert f"{MODEL}: 1.9 GiB of 1.9 GiB in VRAM" in row(output, "ollama", "GET /api/ps")
    assert "cuda:0 NVIDIA GeForce RTX 5070 Ti : cudaMallocAsync, 15.9 GiB VRAM, 14.8 GiB free" in row(
        output, "comfyui", "GET /system_stats"
    )
    assert "0 running, 0 pending" in row(output, "comfyui", "GET /queue")
    assert output.rstrip().endswith("PASSED: 9 passed, 0 failed, 1 skipped")


def test_generation_requests_use_the_first_pulled_model_without_streaming():
    with serve(ollama_routes()) as ollama:
        status, output = smoke("homelab", "--ollama-url", ollama.url, "--app", "ollama")

    assert status == 0, output
    bodies = {f"{r.method} {r.path}": r.body for r in ollama.requests}
    assert bodies["POST /api/generate"]["model"] == MODEL
    assert bodies["POST /api/generate"]["stream"] is False
    assert bodies["POST /api/chat"]["model"] == MODEL
    assert bodies["POST /api/chat"]["stream"] is False
    assert bodies["POST /api/chat"]["messages"][0]["role"] == "user"
    assert bodies["POST /v1/chat/completions"]["model"] == MODEL
    assert bodies["POST /v1/chat/completions"]["stream"] is False
    assert status_of(output, "comfyui", "-") == "SKIP"


def test_model_option_checks_that_model():
    routes = ollama_routes()
    other = running_model(size_vram=4683075271) | {"name": "deepseek-r1:latest", "model": "deepseek-r1:latest",
                                                   "size": 4683075271}
    routes["GET", "/api/ps"] = Reply(body={"models": [other]})
    with serve(routes) as ollama:
        status, output = smoke("homelab", "--ollama-url", ollama.url, "--app", "ollama", "--model", "deepseek-r1")

    assert status == 0, output
    assert [r.body["model"] for r in ollama.requests if r.method == "POST"] == ["deepseek-r1:latest"] * 3


def test_model_on_the_cpu_fails_naming_the_cpu():
    routes = ollama_routes()
    routes["GET", "/api/ps"] = Reply(body={"models": [running_model(size_vram=0)]})
    with serve(routes) as ollama, serve(comfyui_routes()) as comfyui:
        status, output = smoke("homelab", "--ollama-url", ollama.url, "--comfyui-url", comfyui.url)

    assert status == 1
    ps = row(output, "ollama", "GET /api/ps")
    assert status_of(output, "ollama", "GET /api/ps") == "FAIL"
    assert f"{MODEL} runs on the CPU: size_vram is 0 of 1.9 GiB" in ps
    assert "runtimeClassName nvidia" in ps
    assert "FAILED: 8 passed, 1 failed, 1 skipped" in output


def test_model_partly_offloaded_fails_and_says_how_much_is_on_the_cpu():
    routes = ollama_routes()
    routes["GET", "/api/ps"] = Reply(body={"models": [running_model(size_vram=MODEL_SIZE // 4)]})
    with serve(routes) as ollama:
        status, output = smoke("homelab", "--ollama-url", ollama.url, "--app", "ollama")

    assert status == 1, output
    assert status_of(output, "ollama", "GET /api/ps") == "FAIL"
    assert "0.5 GiB of 1.9 GiB in VRAM; 75% runs on the CPU" in row(output, "ollama", "GET /api/ps")


def test_model_unloaded_at_once_fails_because_its_residency_cannot_be_seen():
    routes = ollama_routes()
    routes["GET", "/api/ps"] = Reply(body={"models": []})
    with serve(routes) as ollama:
        status, output = smoke("homelab", "--ollama-url", ollama.url, "--app", "ollama")

    assert status == 1
    assert "is not loaded right after answering" in row(output, "ollama", "GET /api/ps")


def test_no_pulled_model_fails_and_skips_what_needs_one():
    routes = ollama_routes()
    routes["GET", "/api/tags"] = Reply(body={"models": []})
    with serve(routes) as ollama:
        status, output = smoke("homelab", "--ollama-url", ollama.url, "--app", "ollama")

    assert status == 1
    assert "no model is pulled: list one in ollama.models.pull" in row(output, "ollama", "GET /api/tags")
    for check in OLLAMA_SEQUENCE[3:]:
        assert status_of(output, "ollama", check) == "SKIP"
    assert ollama.paths() == OLLAMA_SEQUENCE[:3]


def test_comfyui_on_a_cpu_device_fails_naming_the_cpu():
    with serve(comfyui_routes(device="cpu")) as comfyui:
        status, output = smoke("homelab", "--comfyui-url", comfyui.url, "--app", "comfyui")

    assert status == 1
    stats = row(output, "comfyui", "GET /system_stats")
    assert status_of(output, "comfyui", "GET /system_stats") == "FAIL"
    assert "ComfyUI computes on the CPU: its device is cpu (type cpu)" in stats
    assert status_of(output, "comfyui", "GET /queue") == "PASS"


@pytest.mark.parametrize(("code", "blames"), [
    (401, "forward-auth in front of them (access.forwardAuthUrl)"),
    (403, "the allowlist (access.allowedSources"),
])
def test_proxy_refusal_is_explained_and_stops_the_apps_checks(code, blames):
    refused = {route: Reply(code, "<html>no</html>", "text/html") for route in ollama_routes()}
    with serve(refused) as ollama:
        status, output = smoke("homelab", "--ollama-url", ollama.url, "--app", "ollama")

    assert status == 1
    first = row(output, "ollama", "GET /")
    assert f"HTTP {code}" in first and blames in first
    assert ollama.paths() == ["GET /"]
    for check in OLLAMA_SEQUENCE[1:]:
        assert status_of(output, "ollama", check) == "SKIP"


def test_redirect_to_a_login_page_is_reported_and_not_followed():
    with serve({}) as login:
        redirecting = {route: Reply(302, "", headers={"Location": f"{login.url}/oauth2/sign_in"})
                       for route in ollama_routes()}
        with serve(redirecting) as ollama:
            status, output = smoke("homelab", "--ollama-url", ollama.url, "--app", "ollama")

    assert status == 1
    assert f"redirected to {login.url}/oauth2/sign_in, not followed" in row(output, "ollama", "GET /")
    assert login.requests == []


@pytest.mark.parametrize(("route", "option"), [
    (("GET", "/api/version"), "--timeout"),
    (("POST", "/api/generate"), "--generate-timeout"),
])
def test_slow_endpoint_times_out_naming_the_option(route, option):
    routes = ollama_routes()
    routes[route].delay = 0.6
    with serve(routes) as ollama:
        status, output = smoke("homelab", "--ollama-url", ollama.url, "--app", "ollama",
                               "--timeout", "0.2", "--generate-timeout", "0.2")

    assert status == 1
    check = f"{route[0]} {route[1]}"
    assert f"no answer from {ollama.url}{route[1]} within 0.2 s ({option})" in row(output, "ollama", check)
    later = OLLAMA_SEQUENCE[OLLAMA_SEQUENCE.index(check) + 1:]
    assert [status_of(output, "ollama", c) for c in later] == ["SKIP"] * len(later)


def test_dead_endpoint_is_reported_as_connection_refused():
    with closed_port_url() as url:
        status, output = smoke("homelab", "--ollama-url", url, "--comfyui-url", url)

    assert status == 1
    assert "connection refused by 127.0.0.1:" in row(output, "ollama", "GET /")
    assert "connection refused by 127.0.0.1:" in row(output, "comfyui", "GET /system_stats")
    assert "FAILED: 0 passed, 2 failed, 8 skipped" in output


def test_non_json_answer_is_reported_as_such():
    routes = ollama_routes()
    routes["GET", "/api/tags"] = Reply(body="<!doctype html><title>Sign in</title>", content_type="text/html")
    with serve(routes) as ollama:
        status, output = smoke("homelab", "--ollama-url", ollama.url, "--app", "ollama")

    assert status == 1
    assert "answered text/html, not JSON: '<!doctype html><title>Sign in</title>'" in row(
        output, "ollama", "GET /api/tags"
    )


def test_something_else_at_the_url_is_not_taken_for_ollama():
    routes = ollama_routes()
    routes["GET", "/"] = Reply(body="<html>Welcome to nginx!</html>", content_type="text/html")
    with serve(routes) as ollama:
        status, output = smoke("homelab", "--ollama-url", ollama.url, "--app", "ollama")

    assert status == 1
    assert "not 'Ollama is running'" in row(output, "ollama", "GET /")


def test_only_http_urls_are_accepted(capsys):
    with pytest.raises(SystemExit) as exit_:
        smoke("homelab", "--ollama-url", "file:///etc/passwd")
    assert exit_.value.code == 2
    assert "is not an http:// or https:// URL" in capsys.readouterr().err


# The stack-output path: a `pulumi` executable first on PATH, as the real CLI would be.

def fake_pulumi(tmp_path: Path, monkeypatch, *, stdout: str = "", stderr: str = "", code: int = 0) -> Path:
    """Installs a `pulumi` that records how it was called and prints what the real one would; returns the record file."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    record = tmp_path / "pulumi-calls.jsonl"
    script = bin_dir / "pulumi"
    script.write_text(
        f"#!{sys.executable}\n"
        "import json, os, sys\n"
        f"with open({str(record)!r}, 'a') as calls:\n"
        "    calls.write(json.dumps({'argv': sys.argv[1:], 'cwd': os.getcwd()}) + '\\n')\n"
        f"sys.stdout.write({stdout!r})\n"
        f"sys.stderr.write({stderr!r})\n"
        f"sys.exit({code})\n"
    )
    script.chmod(0o755)
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ['PATH']}")
    return record


def calls(record: Path) -> list[dict[str, object]]:
    return [json.loads(line) for line in record.read_text().splitlines()] if record.exists() else []


def outputs(**values: object) -> str:
    return json.dumps({
        "ollamaInternalUrl": "http://ollama.ollama.svc.cluster.local:11434",
        "comfyuiInternalUrl": "http://comfyui.comfyui.svc.cluster.local:8188",
        "gpuRuntimeClass": "nvidia", **values,
    })


def test_urls_come_from_the_stack_outputs(tmp_path, monkeypatch):
    with serve(ollama_routes()) as ollama, serve(comfyui_routes()) as comfyui:
        record = fake_pulumi(tmp_path, monkeypatch, stdout=outputs(ollamaUrl=ollama.url, comfyuiUrl=comfyui.url))
        status, output = smoke("homelab")

    assert status == 0, output
    assert calls(record) == [{"argv": ["stack", "output", "--json", "--stack", "homelab"], "cwd": str(PROJECT_DIR)}]
    assert f"ollama   {ollama.url}  (stack output ollamaUrl)" in output
    assert ollama.paths() == OLLAMA_SEQUENCE
    assert comfyui.paths() == ["GET /system_stats", "GET /queue"]


def test_given_urls_skip_the_pulumi_cli(tmp_path, monkeypatch):
    record = fake_pulumi(tmp_path, monkeypatch, stdout=outputs())
    with serve(ollama_routes()) as ollama, serve(comfyui_routes()) as comfyui:
        status, output = smoke("homelab", "--ollama-url", ollama.url, "--comfyui-url", comfyui.url)

    assert status == 0, output
    assert calls(record) == []


def test_stack_runtime_class_is_named_when_a_model_runs_on_the_cpu(tmp_path, monkeypatch):
    routes = ollama_routes()
    routes["GET", "/api/ps"] = Reply(body={"models": [running_model(size_vram=0)]})
    with serve(routes) as ollama:
        fake_pulumi(tmp_path, monkeypatch, stdout=outputs(ollamaUrl=ollama.url, gpuRuntimeClass="nvidia-cdi"))
        status, output = smoke("homelab", "--app", "ollama")

    assert status == 1
    assert "needs runtimeClassName nvidia-cdi (gpu.runtimeClass)" in row(output, "ollama", "GET /api/ps")


def test_app_without_an_external_url_fails_and_says_how_to_reach_it(tmp_path, monkeypatch):
    with serve(comfyui_routes()) as comfyui:
        fake_pulumi(tmp_path, monkeypatch, stdout=outputs(ollamaUrl=None, comfyuiUrl=comfyui.url))
        status, output = smoke("homelab")

    assert status == 1
    missing = row(output, "ollama", "URL")
    assert "stack homelab exports no ollamaUrl (exposure.kind none, or not deployed)" in missing
    assert "kubectl -n ollama port-forward svc/ollama 11434" in missing
    assert status_of(output, "comfyui", "GET /queue") == "PASS"


def test_internal_flag_uses_the_in_cluster_urls(tmp_path, monkeypatch):
    with serve(ollama_routes()) as ollama, serve(comfyui_routes()) as comfyui:
        fake_pulumi(tmp_path, monkeypatch, stdout=outputs(
            ollamaUrl="http://ollama.example.invalid", comfyuiUrl="http://comfyui.example.invalid",
            ollamaInternalUrl=ollama.url, comfyuiInternalUrl=comfyui.url,
        ))
        status, output = smoke("homelab", "--internal")

    assert status == 0, output
    assert f"comfyui  {comfyui.url}  (stack output comfyuiInternalUrl)" in output


def test_failing_pulumi_cli_is_reported_with_its_error(tmp_path, monkeypatch):
    fake_pulumi(tmp_path, monkeypatch, stderr="error: no stack named 'homelab' found\n", code=255)
    status, output = smoke("homelab")

    assert status == 1
    assert ("no URL: `pulumi stack output --json --stack homelab` failed (exit 255): "
            "error: no stack named 'homelab' found") in row(output, "ollama", "URL")


def test_missing_pulumi_cli_is_reported(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path))
    status, output = smoke("homelab", "--app", "comfyui")

    assert status == 1
    assert "the pulumi CLI is not on PATH; pass --ollama-url and --comfyui-url instead" in row(output, "comfyui", "URL")


# The command as users type it.

def test_help_works():
    completed = subprocess.run(
        [sys.executable, "-m", "smoke", "--help"], cwd=PROJECT_DIR, capture_output=True, text=True, check=False
    )
    assert completed.returncode == 0
    assert completed.stdout.startswith("usage: python -m smoke")


@pytest.mark.parametrize(("size_vram", "returncode"), [(MODEL_SIZE, 0), (0, 1)])
def test_command_exit_status_says_whether_the_gpu_is_used(size_vram, returncode):
    routes = ollama_routes()
    routes["GET", "/api/ps"] = Reply(body={"models": [running_model(size_vram=size_vram)]})
    with serve(routes) as ollama, serve(comfyui_routes()) as comfyui:
        completed = subprocess.run(
            [sys.executable, "-m", "smoke", "homelab", "--ollama-url", ollama.url, "--comfyui-url", comfyui.url],
            cwd=PROJECT_DIR, capture_output=True, text=True, check=False,
        )
    assert completed.returncode == returncode, completed.stdout + completed.stderr
    assert ("runs on the CPU" in completed.stdout) is (returncode == 1)


def test_smoke_reads_the_outputs_and_ports_the_program_exports_for_every_app(open_webui):
    # smoke/ talks to a deployed stack and imports nothing of the program: its names are tied here.
    from components.registry import APPS
    from smoke.cli import CREDENTIAL_VARIABLES, DEFAULT_RUNTIME_CLASS, PORT_FORWARD
    from smoke.stack_outputs import APP_URL_OUTPUTS, RUNTIME_CLASS_OUTPUT
    from stack_config import FIELDS

    assert APP_URL_OUTPUTS == {entry.section: entry.outputs for entry in APPS}
    # With every app installed and exposed, the stack exports both URLs of each.
    assert {name for pair in APP_URL_OUTPUTS.values() for name in pair} <= open_webui.outputs.keys()
    defaults = {field.key: field.default for field in FIELDS}
    services = {entry.section: named(open_webui, f"{entry.section}-route").inputs["spec"]["rules"][0]["backendRefs"][0]["name"]
                for entry in APPS}
    assert PORT_FORWARD == {entry.section: (defaults[f"{entry.section}.namespace"], services[entry.section],
                                            defaults[f"{entry.section}.port"]) for entry in APPS}
    assert open_webui.outputs[RUNTIME_CLASS_OUTPUT] == DEFAULT_RUNTIME_CLASS
    assert {f"openwebui.{key}" for key in CREDENTIAL_VARIABLES} <= defaults.keys()


OPEN_WEBUI_SEQUENCE = ["GET /health", "GET /api/config", "POST /api/v1/auths/signin", "GET /ollama/api/tags",
                       "POST /ollama/api/chat"]


@pytest.fixture
def admin_in_environment(monkeypatch):
    monkeypatch.setenv("OPEN_WEBUI_EMAIL", ADMIN["email"])
    monkeypatch.setenv("OPEN_WEBUI_PASSWORD", ADMIN["password"])


def test_open_webui_answers_signs_its_admin_in_and_chats_through_ollama(admin_in_environment):
    with serve(open_webui_routes()) as webui:
        status, output = smoke("homelab", "--openwebui-url", webui.url)

    assert status == 0, output
    assert webui.paths() == OPEN_WEBUI_SEQUENCE
    sign_in, tags, chat = webui.requests[2:]
    assert sign_in.body == ADMIN
    assert tags.authorization == chat.authorization == f"Bearer {OPEN_WEBUI_TOKEN}"
    assert chat.body["model"] == MODEL and chat.body["stream"] is False
    assert "Open WebUI 0.11.0; admin exists, sign-up off" in row(output, "openwebui", "GET /api/config")
    assert "298 tokens in 4.80 s" in row(output, "openwebui", "POST /ollama/api/chat")
    assert status_of(output, "ollama", "-") == "SKIP"


def test_open_webui_without_an_account_fails_because_the_first_sign_up_would_be_admin(admin_in_environment):
    routes = open_webui_routes()
    routes["GET", "/api/config"] = Reply(body=open_webui_config(onboarding=True))
    with serve(routes) as webui:
        status, output = smoke("homelab", "--openwebui-url", webui.url)

    assert status == 1
    assert "whoever signs up first becomes admin" in row(output, "openwebui", "GET /api/config")


def test_open_webui_refusing_the_admins_password_fails_and_skips_the_chat(admin_in_environment):
    routes = open_webui_routes()
    routes["POST", "/api/v1/auths/signin"] = Reply(400, {"detail": "The email or password provided is incorrect."})
    with serve(routes) as webui:
        status, output = smoke("homelab", "--openwebui-url", webui.url)

    assert status == 1
    assert "The email or password provided is incorrect." in row(output, "openwebui", "POST /api/v1/auths/signin")
    assert status_of(output, "openwebui", "POST /ollama/api/chat") == "SKIP"
    assert webui.paths() == OPEN_WEBUI_SEQUENCE[:3]


def test_open_webui_that_cannot_reach_ollama_fails_at_its_proxy(admin_in_environment):
    routes = open_webui_routes()
    routes["GET", "/ollama/api/tags"] = Reply(500, {"detail": "Ollama: Server Connection Error"},
                                              authorization=f"Bearer {OPEN_WEBUI_TOKEN}")
    with serve(routes) as webui:
        status, output = smoke("homelab", "--openwebui-url", webui.url)

    assert status == 1
    assert "Server Connection Error" in row(output, "openwebui", "GET /ollama/api/tags")


def test_open_webui_admin_comes_from_the_stacks_config_without_the_environment(tmp_path, monkeypatch):
    monkeypatch.delenv("OPEN_WEBUI_EMAIL", raising=False)
    monkeypatch.delenv("OPEN_WEBUI_PASSWORD", raising=False)
    record = fake_pulumi(tmp_path, monkeypatch, stdout="admin@madhan.app\n")
    with serve(open_webui_routes()) as webui:
        status, output = smoke("homelab", "--openwebui-url", webui.url)

    assert [call["argv"] for call in calls(record)] == [
        ["config", "get", "--path", "openwebui.adminEmail", "--stack", "homelab"],
        ["config", "get", "--path", "openwebui.adminPassword", "--stack", "homelab"]]
    assert webui.requests[2].body == {"email": "admin@madhan.app", "password": "admin@madhan.app"}
    assert status == 0, output


def test_open_webui_without_credentials_says_how_to_give_them(tmp_path, monkeypatch):
    monkeypatch.delenv("OPEN_WEBUI_EMAIL", raising=False)
    monkeypatch.delenv("OPEN_WEBUI_PASSWORD", raising=False)
    fake_pulumi(tmp_path, monkeypatch, stderr="error: configuration key 'openwebui.adminEmail' not found", code=255)
    with serve(open_webui_routes()) as webui:
        status, output = smoke("homelab", "--openwebui-url", webui.url)

    assert status == 1
    assert "set OPEN_WEBUI_EMAIL" in row(output, "openwebui", "POST /api/v1/auths/signin")
    assert webui.paths() == OPEN_WEBUI_SEQUENCE[:2]


def test_a_stack_without_open_webui_skips_it(tmp_path, monkeypatch):
    with serve(ollama_routes()) as ollama, serve(comfyui_routes()) as comfyui:
        fake_pulumi(tmp_path, monkeypatch, stdout=outputs(ollamaUrl=ollama.url, comfyuiUrl=comfyui.url))
        status, output = smoke("homelab")

    assert status == 0, output
    assert table(output)["openwebui", "-"] == ("SKIP", "stack homelab does not deploy it (openwebui.installed)")


# Under a VRAM plan: the stack's vramPlan output gives each app's budget.

GIB = 2**30
PLAN = {"memory": 16 * GIB, "slack": GIB, "budgets": {"ollama": int(9.5 * GIB), "comfyui": int(5.5 * GIB)}}


def comfyui_holding(held: int, card_used: int) -> dict:
    routes = comfyui_routes()
    device = routes["GET", "/system_stats"].body["devices"][0]
    device.update(torch_vram_total=held, vram_total=16 * GIB, vram_free=16 * GIB - card_used)
    return routes


@pytest.mark.parametrize("ollama_holds, comfyui_holds, failing", [
    (MODEL_SIZE, 5 * GIB, []),
    (10 * GIB, 5 * GIB, ["ollama"]),
    (MODEL_SIZE, 6 * GIB, ["comfyui"]),
], ids=["both-within", "ollama-over", "comfyui-over"])
def test_each_apps_vram_is_measured_against_its_budget(tmp_path, monkeypatch, ollama_holds, comfyui_holds, failing):
    routes = ollama_routes()
    routes["GET", "/api/ps"] = Reply(body={"models": [running_model(size_vram=ollama_holds) | {"size": ollama_holds}]})
    with serve(routes) as ollama, serve(comfyui_holding(comfyui_holds, ollama_holds + comfyui_holds + GIB)) as comfyui:
        fake_pulumi(tmp_path, monkeypatch, stdout=outputs(ollamaUrl=ollama.url, comfyuiUrl=comfyui.url, vramPlan=PLAN))
        status, output = smoke("homelab")

    assert status == (1 if failing else 0), output
    assert {app: status_of(output, app, "VRAM budget") for app in ("ollama", "comfyui")} == {
        app: "FAIL" if app in failing else "PASS" for app in ("ollama", "comfyui")}
    assert f"Ollama holds {ollama_holds / GIB:.1f} GiB in VRAM (1 model(s) loaded) of its 9.5 GiB budget" in row(
        output, "ollama", "VRAM budget")
    card = (ollama_holds + comfyui_holds + GIB) / GIB
    assert (f"ComfyUI holds {comfyui_holds / GIB:.1f} GiB of its 5.5 GiB budget; the card: {card:.1f} GiB of 16.0 GiB "
            "in use by every process on it, which is what Ollama and ComfyUI both see as taken") in row(
        output, "comfyui", "VRAM budget")


def test_a_model_partly_on_the_cpu_fails_under_a_plan_too(tmp_path, monkeypatch):
    routes = ollama_routes()
    routes["GET", "/api/ps"] = Reply(body={"models": [running_model(size_vram=MODEL_SIZE // 2)]})
    with serve(routes) as ollama:
        fake_pulumi(tmp_path, monkeypatch, stdout=outputs(ollamaUrl=ollama.url, vramPlan=PLAN))
        status, output = smoke("homelab", "--app", "ollama")

    assert status == 1
    assert status_of(output, "ollama", "GET /api/ps") == "FAIL"
    assert status_of(output, "ollama", "VRAM budget") == "PASS"


def test_without_a_plan_no_budget_is_checked(tmp_path, monkeypatch):
    with serve(ollama_routes()) as ollama, serve(comfyui_routes()) as comfyui:
        fake_pulumi(tmp_path, monkeypatch, stdout=outputs(ollamaUrl=ollama.url, comfyuiUrl=comfyui.url))
        status, output = smoke("homelab")

    assert status == 0, output
    assert not any(check == "VRAM budget" for _, check in table(output))


def test_the_program_exports_the_plan_smoke_reads(run_with):
    from smoke.stack_outputs import VRAM_PLAN_OUTPUT

    capture = run_with({"ollama.vram.budget": "9.5Gi", "comfyui.vram.budget": "5.5Gi"})
    assert capture.outputs[VRAM_PLAN_OUTPUT] == PLAN
