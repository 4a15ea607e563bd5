"""Local HTTP servers that answer as Ollama 0.17.1, ComfyUI and Open WebUI 0.11.0 document their APIs.

The healthy answers are the examples of ollama/ollama v0.17.1 docs/api.md (non-streaming generate
and chat, `/api/tags`, `/api/ps`, `/api/version`), server/routes.go (`GET /`), openai/openai.go
(`ChatCompletion`), and ComfyUI server.py's `/system_stats` and `/queue`. Tests change single
answers to make them fail.
"""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

# The longest a test server may sleep before answering: keeps slow-endpoint tests bounded.
MAX_DELAY = 2.0

MODEL = "llama3.2:latest"
MODEL_SIZE = 2019393189


@dataclass
class Reply:
    status: int = 200
    body: Any = None
    content_type: str = "application/json; charset=utf-8"
    delay: float = 0.0
    headers: dict[str, str] = field(default_factory=dict)
    authorization: str | None = None
    """The Authorization header the route answers; any other gets 401, as a signed-in route does."""

    def encoded(self) -> bytes:
        if isinstance(self.body, (bytes, str)):
            return self.body.encode() if isinstance(self.body, str) else self.body
        return json.dumps(self.body).encode()


def generate_answer(eval_count: int = 290, eval_duration: int = 4709213000) -> dict[str, Any]:
    return {
        "model": MODEL, "created_at": "2023-08-04T19:22:45.499127Z",
        "response": "The sky is blue because it is the color of the sky.", "done": True, "context": [1, 2, 3],
        "total_duration": 5043500667, "load_duration": 5025959, "prompt_eval_count": 26,
        "prompt_eval_duration": 325953000, "eval_count": eval_count, "eval_duration": eval_duration,
    }


def running_model(size_vram: int) -> dict[str, Any]:
    return {
        "name": MODEL, "model": MODEL, "size": MODEL_SIZE,
        "digest": "a80c4f17acd55265feec403c7aef86be0c25983ab279d83f3bcd3abbcb5b8b72",
        "details": {"parent_model": "", "format": "gguf", "family": "llama", "families": ["llama"],
                    "parameter_size": "3.2B", "quantization_level": "Q4_K_M"},
        "expires_at": "2024-06-04T14:38:31.83753-07:00", "size_vram": size_vram, "context_length": 4096,
    }


def ollama_routes() -> dict[tuple[str, str], Reply]:
    return {
        ("GET", "/"): Reply(body="Ollama is running", content_type="text/plain; charset=utf-8"),
        ("GET", "/api/version"): Reply(body={"version": "0.17.1"}),
        ("GET", "/api/tags"): Reply(body={"models": [
            {"name": MODEL, "model": MODEL, "modified_at": "2025-05-04T17:37:44.706015396-07:00",
             "size": MODEL_SIZE, "digest": "a80c4f17acd55265feec403c7aef86be0c25983ab279d83f3bcd3abbcb5b8b72",
             "details": {"parent_model": "", "format": "gguf", "family": "llama", "families": ["llama"],
                         "parameter_size": "3.2B", "quantization_level": "Q4_K_M"}},
            {"name": "deepseek-r1:latest", "model": "deepseek-r1:latest",
             "modified_at": "2025-05-10T08:06:48.639712648-07:00", "size": 4683075271,
             "digest": "0a8c266910232fd3291e71e5ba1e058cc5af9d411192cf88b6d30e92b6e73163",
             "details": {"parent_model": "", "format": "gguf", "family": "qwen2", "families": ["qwen2"],
                         "parameter_size": "7.6B", "quantization_level": "Q4_K_M"}},
        ]}),
        ("POST", "/api/generate"): Reply(body=generate_answer()),
        ("POST", "/api/chat"): Reply(body={
            "model": MODEL, "created_at": "2023-12-12T14:13:43.416799Z",
            "message": {"role": "assistant", "content": "Hello! How are you today?"}, "done": True,
            "total_duration": 5191566416, "load_duration": 2154458, "prompt_eval_count": 26,
            "prompt_eval_duration": 383809000, "eval_count": 298, "eval_duration": 4799921000,
        }),
        ("POST", "/v1/chat/completions"): Reply(body={
            "id": "chatcmpl-123", "object": "chat.completion", "created": 1700000000, "model": MODEL,
            "system_fingerprint": "fp_ollama",
            "choices": [{"index": 0, "message": {"role": "assistant", "content": "ready"}, "finish_reason": "stop"}],
            "usage": {"prompt_tokens": 14, "completion_tokens": 2, "total_tokens": 16},
        }),
        ("GET", "/api/ps"): Reply(body={"models": [running_model(size_vram=MODEL_SIZE)]}),
    }


def comfyui_device(kind: str = "cuda") -> dict[str, Any]:
    if kind == "cpu":
        return {"name": "cpu", "type": "cpu", "index": None, "vram_total": 67260375040,
                "vram_free": 31234567890, "torch_vram_total": 67260375040, "torch_vram_free": 31234567890}
    return {"name": "cuda:0 NVIDIA GeForce RTX 5070 Ti : cudaMallocAsync", "type": "cuda", "index": 0,
            "vram_total": 17094475776, "vram_free": 15869100032, "torch_vram_total": 0, "torch_vram_free": 0}


def comfyui_routes(device: str = "cuda") -> dict[tuple[str, str], Reply]:
    return {
        ("GET", "/system_stats"): Reply(body={
            "system": {"os": "linux", "ram_total": 67260375040, "ram_free": 31234567890,
                       "comfyui_version": "0.15.0", "required_frontend_version": "1.39.16",
                       "installed_templates_version": "0.8.43", "required_templates_version": "0.8.43",
                       "python_version": "3.12.12 (main) [GCC 14.2.0]", "pytorch_version": "2.10.0+cu128",
                       "embedded_python": False, "argv": ["./ComfyUI/main.py", "--listen", "--port", "8188"]},
            "devices": [comfyui_device(device)],
        }),
        ("GET", "/queue"): Reply(body={"queue_running": [], "queue_pending": []}),
    }


# Open WebUI 0.11.0 (open_webui/main.py, routers/auths.py): the public config of an instance with
# its admin and sign-up off, and the session its sign-in answers (SessionUserResponse).
OPEN_WEBUI_TOKEN = "eyJhbGciOiJIUzI1NiJ9.e30.session"
ADMIN = {"email": "admin@madhan.app", "password": "correct horse battery staple"}


def open_webui_config(onboarding: bool = False, enable_signup: bool = False) -> dict[str, Any]:
    return {**({"onboarding": True} if onboarding else {}), "status": True, "name": "Open WebUI", "version": "0.11.0",
            "default_locale": "", "features": {"auth": True, "auth_trusted_header": False,
                                               "enable_signup": enable_signup, "enable_login_form": True}}


def open_webui_routes() -> dict[tuple[str, str], Reply]:
    """Open WebUI, with its proxy to the stack's Ollama below /ollama answering as Ollama does."""
    bearer = f"Bearer {OPEN_WEBUI_TOKEN}"
    ollama = ollama_routes()
    return {
        ("GET", "/health"): Reply(body={"status": True}),
        ("GET", "/api/config"): Reply(body=open_webui_config()),
        ("POST", "/api/v1/auths/signin"): Reply(body={
            "id": "0b3c", "email": ADMIN["email"], "name": "Admin", "role": "admin",
            "profile_image_url": "/user.png", "token": OPEN_WEBUI_TOKEN, "token_type": "Bearer"}),
        ("GET", "/ollama/api/tags"): Reply(body=ollama["GET", "/api/tags"].body, authorization=bearer),
        ("POST", "/ollama/api/chat"): Reply(body=ollama["POST", "/api/chat"].body, authorization=bearer),
    }


@dataclass(frozen=True)
class Request:
    method: str
    path: str
    body: Any
    authorization: str | None = None


class FakeApi:
    """A threaded server on 127.0.0.1 and an ephemeral port answering from ``routes``; every request is recorded.

    Run it with ``serve``.
    """

    def __init__(self, routes: dict[tuple[str, str], Reply]) -> None:
        self.routes = routes
        self.requests: list[Request] = []
        api = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:
                pass

            def _answer(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length) if length else b""
                api.requests.append(Request(self.command, self.path, json.loads(raw) if raw else None,
                                            self.headers.get("Authorization")))
                reply = api.routes.get((self.command, self.path), Reply(404, {"error": "not found"}))
                if reply.authorization is not None and self.headers.get("Authorization") != reply.authorization:
                    reply = Reply(401, {"detail": "Not authenticated"})
                time.sleep(min(reply.delay, MAX_DELAY))
                body = reply.encoded()
                try:
                    self.send_response(reply.status)
                    self.send_header("Content-Type", reply.content_type)
                    self.send_header("Content-Length", str(len(body)))
                    for name, value in reply.headers.items():
                        self.send_header(name, value)
                    self.end_headers()
                    self.wfile.write(body)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up first (timeout tests)

            do_GET = do_POST = _answer

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"

    def paths(self) -> list[str]:
        return [f"{r.method} {r.path}" for r in self.requests]



@contextmanager
def serve(routes: dict[tuple[str, str], Reply]) -> Iterator[FakeApi]:
    api = FakeApi(routes)
    # A short poll interval: shutdown() waits up to one interval, and every test stops its servers.
    threading.Thread(target=api.server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True).start()
    try:
        yield api
    finally:
        api.server.shutdown()
        api.server.server_close()


@contextmanager
def closed_port_url() -> Iterator[str]:
    """A URL on 127.0.0.1 where nothing listens: a port the kernel just handed out and took back."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    yield f"http://127.0.0.1:{port}"
