"""Ollama's checks, as its API reference at the pinned image (0.17.1) documents them.

Sources, ollama/ollama at tag v0.17.1: docs/api.md ("Generate a completion", "Generate a chat
completion", "List Local Models", "List Running Models", "Version"), docs/api/openai-compatibility.mdx
(`/v1/chat/completions`), server/routes.go (`GET /` answers "Ollama is running") and api/types.go
(`ProcessModelResponse.size_vram`, the `Metrics` durations in nanoseconds).
"""

from __future__ import annotations

from typing import Any

from smoke.checks import AppChecks, CheckFailed, CheckResult, Passed, gib
from smoke.http_api import HttpApi

PROMPT = "Reply with the single word: ready"
# Enough tokens to measure a rate, few enough to keep the check short (`options.num_predict`,
# a Modelfile parameter; `max_tokens` on the OpenAI endpoint).
MAX_TOKENS = 24


def canonical_model(name: str) -> str:
    """`llama3.2` and `llama3.2:latest` are one model (docs/api.md, "Model names")."""
    return name if ":" in name.rsplit("/", 1)[-1] else f"{name}:latest"


def _field(document: Any, *path: str | int) -> Any:
    value = document
    for key in path:
        if isinstance(key, int):
            value = value[key] if isinstance(value, list) and len(value) > key else None
        else:
            value = value.get(key) if isinstance(value, dict) else None
    return value


def tokens_per_second(answer: dict[str, Any]) -> str:
    """The reference's rate: `eval_count` / `eval_duration` (nanoseconds) * 10^9."""
    count, duration = answer.get("eval_count"), answer.get("eval_duration")
    if not isinstance(count, int) or not isinstance(duration, int) or duration <= 0:
        return "no eval_count/eval_duration, tokens/s unknown"
    return f"{count} tokens in {duration / 1e9:.2f} s: {count / duration * 1e9:.1f} tokens/s"


def _root(api: HttpApi) -> Passed[None]:
    text = api.text("/").strip()
    if text != "Ollama is running":
        raise CheckFailed(f"answered {text[:80]!r}, not 'Ollama is running': is this URL Ollama?")
    return Passed(text, None)


def _version(api: HttpApi) -> Passed[None]:
    version = _field(api.json("GET", "/api/version"), "version")
    if not isinstance(version, str):
        raise CheckFailed("answer has no version")
    return Passed(f"Ollama {version}", None)


def pulled_model(api: HttpApi, wanted: str | None) -> Passed[str]:
    models = _field(api.json("GET", "/api/tags"), "models")
    if not isinstance(models, list):
        raise CheckFailed("answer has no models list")
    # Cloud models (remote_host set, api/types.go ListModelResponse) run elsewhere: they prove nothing about this GPU.
    local = [
        m["name"] for m in models
        if isinstance(m, dict) and isinstance(m.get("name"), str) and not m.get("remote_host")
    ]
    if not local:
        raise CheckFailed(
            "no model is pulled: list one in ollama.models.pull (for example llama3.2) and pulumi up"
        )
    if wanted is None:
        return Passed(f"{len(local)} model(s); checking {local[0]}", local[0])
    matches = [name for name in local if canonical_model(name) == canonical_model(wanted)]
    if not matches:
        raise CheckFailed(f"--model {wanted} is not pulled; pulled: {', '.join(local)}")
    return Passed(f"{len(local)} model(s); checking {matches[0]}", matches[0])


def _generate(api: HttpApi, model: str, timeout: float) -> Passed[None]:
    answer = api.json("POST", "/api/generate", {
        "model": model, "prompt": PROMPT, "stream": False, "options": {"num_predict": MAX_TOKENS},
    }, timeout=timeout, timeout_option="--generate-timeout")
    if not isinstance(answer, dict) or not isinstance(answer.get("response"), str) or answer.get("done") is not True:
        raise CheckFailed("answer is not a finished completion (no response text, or done is not true)")
    return Passed(tokens_per_second(answer), None)


def chat(api: HttpApi, model: str, timeout: float) -> Passed[None]:
    answer = api.json("POST", "/api/chat", {
        "model": model, "messages": [{"role": "user", "content": PROMPT}], "stream": False,
        "options": {"num_predict": MAX_TOKENS},
    }, timeout=timeout, timeout_option="--generate-timeout")
    if not isinstance(_field(answer, "message", "content"), str) or _field(answer, "done") is not True:
        raise CheckFailed("answer is not a finished chat message (no message.content, or done is not true)")
    return Passed(tokens_per_second(answer), None)


def _openai_chat(api: HttpApi, model: str, timeout: float) -> Passed[None]:
    answer = api.json("POST", "/v1/chat/completions", {
        "model": model, "messages": [{"role": "user", "content": PROMPT}], "stream": False,
        "max_tokens": MAX_TOKENS,
    }, timeout=timeout, timeout_option="--generate-timeout")
    if not isinstance(_field(answer, "choices", 0, "message", "content"), str):
        raise CheckFailed("answer has no choices[0].message.content")
    tokens = _field(answer, "usage", "completion_tokens")
    return Passed(f"{tokens} completion tokens" if isinstance(tokens, int) else "answered", None)


def _gpu_residency(api: HttpApi, model: str, runtime_class: str) -> Passed[None]:
    models = _field(api.json("GET", "/api/ps"), "models")
    if not isinstance(models, list):
        raise CheckFailed("answer has no models list")
    loaded = [m for m in models if isinstance(m, dict)
              and canonical_model(str(m.get("name") or m.get("model") or "")) == canonical_model(model)]
    if not loaded:
        raise CheckFailed(
            f"{model} is not loaded right after answering: a keep_alive of 0 (OLLAMA_KEEP_ALIVE) "
            "unloads it at once, so where it ran cannot be seen"
        )
    size, size_vram = loaded[0].get("size"), loaded[0].get("size_vram")
    if not isinstance(size, int) or not isinstance(size_vram, int):
        raise CheckFailed(f"{model} has no size/size_vram in /api/ps")
    if size_vram <= 0:
        # discover/types.go logs "inference compute" with library=cpu when Ollama finds no GPU.
        raise CheckFailed(
            f"{model} runs on the CPU: size_vram is 0 of {gib(size)}. The container sees no GPU: its pod "
            f"needs runtimeClassName {runtime_class} (gpu.runtimeClass) and an nvidia.com/gpu limit; "
            "Ollama's log line 'inference compute' then names a CUDA device instead of library=cpu"
        )
    detail = f"{model}: {gib(size_vram)} of {gib(size)} in VRAM"
    if size_vram < size:
        # server/sched.go loads a first model that does not fit partly on the CPU, with no error.
        share = 100 * (size - size_vram) // size
        raise CheckFailed(
            f"{detail}; {share}% runs on the CPU: it did not fit beside what else held VRAM when it loaded "
            "(ComfyUI, on a shared card) and Ollama moved the rest of its layers to the CPU without an error. "
            "Free the card (ComfyUI's POST /free) and load it again, or plan the card (docs/gpu-sharing.md)"
        )
    return Passed(detail, None)


def _budget(api: HttpApi, budget: int) -> Passed[None]:
    models = _field(api.json("GET", "/api/ps"), "models")
    if not isinstance(models, list):
        raise CheckFailed("answer has no models list")
    held = sum(m["size_vram"] for m in models if isinstance(m, dict) and isinstance(m.get("size_vram"), int))
    detail = f"Ollama holds {gib(held)} in VRAM ({len(models)} model(s) loaded) of its {gib(budget)} budget"
    if held > budget:
        raise CheckFailed(
            f"{detail}: over it. A model larger than the plan allows, or a client's own num_ctx, leaves ComfyUI "
            "less than its share; load a smaller model or raise ollama.vram.budget"
        )
    return Passed(detail, None)


def ollama_checks(api: HttpApi, *, model: str | None, generate_timeout: float,
                  runtime_class: str, budget: int | None = None) -> list[CheckResult]:
    checks = AppChecks("ollama")
    checks.run("GET /", lambda: _root(api))
    checks.run("GET /api/version", lambda: _version(api))
    chosen = checks.run("GET /api/tags", lambda: pulled_model(api, model))
    needs_model = ("POST /api/generate", "POST /api/chat", "POST /v1/chat/completions", "GET /api/ps",
                   *(("VRAM budget",) if budget is not None else ()))
    if chosen is None:
        for check in needs_model:
            checks.skip(check, checks.stopped or "not run: needs a pulled model")
        return checks.results
    checks.run("POST /api/generate", lambda: _generate(api, chosen, generate_timeout))
    checks.run("POST /api/chat", lambda: chat(api, chosen, generate_timeout))
    checks.run("POST /v1/chat/completions", lambda: _openai_chat(api, chosen, generate_timeout))
    checks.run("GET /api/ps", lambda: _gpu_residency(api, chosen, runtime_class))
    if budget is not None:
        checks.run("VRAM budget", lambda: _budget(api, budget))
    return checks.results
