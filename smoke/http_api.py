"""JSON over HTTP to one app's base URL, with a plain-language reason for every way it can fail."""

from __future__ import annotations

import http.client
import json
import socket
import urllib.error
import urllib.request
from typing import Any
from urllib.parse import urlsplit

USER_AGENT = "homelab-ai-smoke"


class ProbeError(Exception):
    """The request got no usable answer.

    ``stops`` is true when the next request to the same app would fail the same way (nothing
    listening, a proxy refusing us, a timeout), so the app's remaining checks are not run.
    """

    def __init__(self, message: str, *, stops: bool) -> None:
        super().__init__(message)
        self.stops = stops


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    # Requests go only to the URLs the user gave or the stack exported. A forward-auth proxy
    # answers an API client with a redirect to its login page on another host: report it.
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


_OPENER = urllib.request.build_opener(_NoRedirect())


def _snippet(body: bytes, limit: int = 120) -> str:
    text = " ".join(body.decode("utf-8", "replace").split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _error_message(body: bytes) -> str:
    """The error text of an answer: Ollama's `{"error": "..."}`, OpenAI's `{"error": {"message": ...}}`, or the body."""
    try:
        document = json.loads(body)
    except ValueError:
        return _snippet(body)
    error = document.get("error") if isinstance(document, dict) else None
    if isinstance(error, dict):
        error = error.get("message")
    return str(error) if error else _snippet(body)


def _http_status_error(url: str, code: int, reason: str, body: bytes, location: str | None) -> ProbeError:
    if code == 401:
        return ProbeError(
            f"HTTP 401 Unauthorized from {url}: the apps have no login of their own, so this is the "
            "forward-auth in front of them (access.forwardAuthUrl) wanting a session; run the check "
            "through kubectl port-forward with --ollama-url/--comfyui-url http://localhost:<port>",
            stops=True,
        )
    if code == 403:
        return ProbeError(
            f"HTTP 403 Forbidden from {url}: the allowlist (access.allowedSources, applied by the Gateway "
            "or the Ingress) or the forward-auth refused this client; run from an allowed network, or "
            "through kubectl port-forward with --ollama-url/--comfyui-url http://localhost:<port>",
            stops=True,
        )
    if 300 <= code < 400:
        return ProbeError(
            f"HTTP {code} from {url}: redirected to {location or '(no Location)'}, not followed; "
            "a forward-auth login page is in the way",
            stops=True,
        )
    if code == 504:
        return ProbeError(
            f"HTTP 504 from {url}: the proxy in front gave up waiting (ingress-nginx's proxy-read-timeout "
            "is 60 s by default); a first request may still be loading the model, run again",
            stops=True,
        )
    if code in (502, 503):
        return ProbeError(
            f"HTTP {code} from {url}: the proxy in front reaches no ready pod (not started yet, "
            f"scaled to 0 with enabled: false, or crashing): {_error_message(body)}",
            stops=True,
        )
    return ProbeError(f"HTTP {code} {reason} from {url}: {_error_message(body)}", stops=False)


def _connection_error(url: str, reason: object, timeout: float, timeout_option: str) -> ProbeError:
    host = urlsplit(url).netloc
    if isinstance(reason, TimeoutError):
        return ProbeError(
            f"no answer from {url} within {timeout:g} s ({timeout_option}); raise it if the app is "
            "just slow, for example while a first request loads a model",
            stops=True,
        )
    if isinstance(reason, ConnectionRefusedError):
        return ProbeError(
            f"connection refused by {host}: nothing listens there (pod not running, wrong port, "
            "or no kubectl port-forward running)",
            stops=True,
        )
    if isinstance(reason, socket.gaierror):
        return ProbeError(
            f"cannot resolve {urlsplit(url).hostname}: {reason.strerror}; a *.svc.cluster.local "
            "URL resolves only inside the cluster",
            stops=True,
        )
    return ProbeError(f"cannot talk to {host}: {reason}", stops=True)


class HttpApi:
    """One app's HTTP API at ``base_url``; every path is appended to it and nothing else is contacted."""

    def __init__(self, base_url: str, *, timeout: float, timeout_option: str = "--timeout",
                 headers: dict[str, str] | None = None) -> None:
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        self.timeout_option = timeout_option
        self.headers = dict(headers or {})

    def below(self, path: str, headers: dict[str, str]) -> HttpApi:
        """The API at ``path`` below this one, sending ``headers`` too: an app's proxy to another."""
        return HttpApi(self.base_url + path, timeout=self.timeout, timeout_option=self.timeout_option,
                       headers={**self.headers, **headers})

    def request(self, method: str, path: str, payload: Any = None, *, timeout: float | None = None,
                timeout_option: str | None = None) -> tuple[str, bytes]:
        """The answer's content type and body; any failure or non-2xx status raises ProbeError."""
        url = self.base_url + path
        seconds = self.timeout if timeout is None else timeout
        option = timeout_option or self.timeout_option
        data = None if payload is None else json.dumps(payload).encode()
        request = urllib.request.Request(url, data=data, method=method, headers={
            "Accept": "application/json", "User-Agent": USER_AGENT, **self.headers,
            **({"Content-Type": "application/json"} if data is not None else {}),
        })
        try:
            with _OPENER.open(request, timeout=seconds) as response:
                return response.headers.get("Content-Type", ""), response.read()
        except urllib.error.HTTPError as error:
            body = error.read() if error.fp is not None else b""
            if error.code == 401 and "Authorization" in self.headers:
                raise ProbeError(f"HTTP 401 from {url}: the app refused the session it gave us: {_error_message(body)}",
                                 stops=True) from None
            raise _http_status_error(url, error.code, str(error.reason), body, error.headers.get("Location")) from None
        except urllib.error.URLError as error:
            raise _connection_error(url, error.reason, seconds, option) from None
        except (OSError, http.client.HTTPException) as error:
            raise _connection_error(url, error, seconds, option) from None

    def text(self, path: str) -> str:
        return self.request("GET", path)[1].decode("utf-8", "replace")

    def json(self, method: str, path: str, payload: Any = None, *, timeout: float | None = None,
             timeout_option: str | None = None) -> Any:
        content_type, body = self.request(method, path, payload, timeout=timeout, timeout_option=timeout_option)
        try:
            return json.loads(body)
        except ValueError:
            raise ProbeError(
                f"{self.base_url + path} answered {content_type or 'no content type'}, not JSON: "
                f"{_snippet(body)!r} (a login or error page of a proxy in front?)",
                stops=False,
            ) from None
