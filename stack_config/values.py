"""Value parsers: each takes one value as the stack holds it and returns the typed value or raises Rejected.

A value arrives as YAML wrote it in Pulumi.<stack>.yaml, or as `pulumi config set --path` typed it: the
CLI stores `true`/`false` as booleans and whole numbers (without a leading zero) as integers
(adjustObjectValue, sdk/go/common/resource/config/map.go in pulumi/pulumi). A parser accepts a typed
value wherever its meaning is unambiguous, and where it is not, says how to store the text instead.
"""

from __future__ import annotations

import ipaddress
import re
from decimal import Decimal
from typing import Any, Callable, Mapping, Optional, TypeVar

T = TypeVar("T")
Parser = Callable[[Any], T]

# The CLI fix for a value YAML or the CLI typed as something it is not.
AS_TEXT = "quote it in the stack file, or store it with `pulumi config set --path --type string`"


class Rejected(Exception):
    """A parser's verdict on one value: what would have been accepted."""

    def __init__(self, accepted: str):
        super().__init__(accepted)
        self.accepted = accepted


def text(value: Any, accepted: str) -> str:
    """The value as text: a string, or a whole number the CLI or YAML typed (its digits are the text)."""
    if isinstance(value, str):
        return value
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    if isinstance(value, float):
        # YAML reads 1.10 as the number 1.1: the text the user wrote is gone.
        raise Rejected(f"{accepted} ({AS_TEXT})")
    raise Rejected(accepted)


_DNS_LABEL = r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?"
_DNS_LABEL_RE = re.compile(rf"^{_DNS_LABEL}$")
_DNS_SUBDOMAIN_RE = re.compile(rf"^{_DNS_LABEL}(?:\.{_DNS_LABEL})*$")
_HOSTNAME_RE = re.compile(rf"^{_DNS_LABEL}(?:\.{_DNS_LABEL})+$")
# Docker's reference grammar (distribution/reference, regexp.go): path components are lowercase;
# the first component is a registry host only if it has a '.' or a ':' or is `localhost`.
_REGISTRY_HOST_RE = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?(?::\d+)?$")
_IMAGE_PATH_RE = re.compile(r"^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*$")
_IMAGE_TAG_RE = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$")
_CHART_VERSION_RE = re.compile(r"^v?\d+\.\d+\.\d+(?:[-+][0-9A-Za-z.-]+)?$")
_URL_RE = re.compile(r"^(?:https?|oci)://[^\s/$.?#][^\s]*$")
_LABEL_KEY_RE = re.compile(
    rf"^(?:{_DNS_LABEL}(?:\.{_DNS_LABEL})*/)?[A-Za-z0-9](?:[A-Za-z0-9_.-]{{0,61}}[A-Za-z0-9])?$"
)
_LABEL_VALUE_RE = re.compile(r"^(?:[A-Za-z0-9](?:[A-Za-z0-9_.-]{0,61}[A-Za-z0-9])?)?$")
_RESOURCE_NAME_RE = re.compile(rf"^{_DNS_LABEL}(?:\.{_DNS_LABEL})+/[a-z0-9](?:[a-z0-9_.-]*[a-z0-9])?$")
_MODEL_RE = re.compile(r"^[a-z0-9][a-z0-9._-]*(?:/[a-z0-9][a-z0-9._-]*)*(?::[A-Za-z0-9_][A-Za-z0-9_.-]*)?$")


def _matching(pattern: re.Pattern[str], accepted: str, max_length: int = 253) -> Parser[str]:
    def parse(value: Any) -> str:
        written = text(value, accepted)
        if len(written) > max_length or not pattern.match(written):
            raise Rejected(accepted)
        return written

    return parse


def one_of(*choices: str) -> Parser[str]:
    accepted = "one of " + ", ".join(repr(c) for c in choices)

    def parse(value: Any) -> str:
        if value not in choices:
            raise Rejected(accepted)
        return str(value)

    return parse


def whole_number(low: int, high: int) -> Parser[int]:
    accepted = f"a whole number from {low} to {high}"

    def parse(value: Any) -> int:
        # YAML `true` arrives as a bool, which Python also counts as an int.
        if isinstance(value, bool) or not isinstance(value, int):
            if isinstance(value, str) and value.strip().lstrip("+-").isdigit():
                raise Rejected(f"{accepted}, written without quotes (`pulumi config set --path` stores it as a number)")
            raise Rejected(accepted)
        if not low <= value <= high:
            raise Rejected(accepted)
        return value

    return parse


RESERVED_NAMESPACES = ("default", "kube-system", "kube-public", "kube-node-lease")

namespace_name = _matching(_DNS_LABEL_RE, "a Kubernetes namespace name (lowercase RFC 1123 label, at most 63 characters)", 63)


def app_namespace_name(value: Any) -> str:
    # The program owns an app's namespace: `pulumi destroy` would delete it, and everything in it.
    if value in RESERVED_NAMESPACES:
        raise Rejected("a namespace of the app's own, not one Kubernetes keeps (" + ", ".join(RESERVED_NAMESPACES) + ")")
    return namespace_name(value)


object_name = _matching(_DNS_SUBDOMAIN_RE, "a Kubernetes object name (lowercase RFC 1123 subdomain)")
hostname = _matching(_HOSTNAME_RE, "a DNS hostname such as ollama.example.com (lowercase letters, digits, '-', at least two labels)")


def image_repository(value: Any) -> str:
    accepted = ("an image repository such as ollama/ollama or registry.example.com/team/image (path in lowercase; "
                "the first part is a registry host only if it has a '.' or ':' or is localhost)")
    written = text(value, accepted)
    host, _, path = written.partition("/")
    if path and ("." in host or ":" in host or host == "localhost"):
        if not _REGISTRY_HOST_RE.match(host):
            raise Rejected(accepted)
    else:
        path = written
    if len(written) > 255 or not _IMAGE_PATH_RE.match(path):
        raise Rejected(accepted)
    return written


_PINNED_TAG = "a pinned image tag such as 0.17.1 (letters, digits, '_', '.', '-'; not 'latest')"
_image_tag_syntax = _matching(_IMAGE_TAG_RE, _PINNED_TAG, 128)


def image_tag(value: Any) -> str:
    # `latest` moves under a running pod: a restart can pull a different CUDA build than the node's driver runs.
    if value == "latest":
        raise Rejected(_PINNED_TAG)
    return _image_tag_syntax(value)


chart_version = _matching(_CHART_VERSION_RE, "a chart version such as 1.41.0 or v25.10.1")
repository_url = _matching(_URL_RE, "a chart repository URL (https://, http:// or oci://)")
resource_name = _matching(_RESOURCE_NAME_RE, "an extended resource name such as nvidia.com/gpu")


def boolean(value: Any) -> bool:
    if not isinstance(value, bool):
        hint = f" ({value!r} is text: write it unquoted)" if value in ("true", "false") else ""
        raise Rejected("true or false" + hint)
    return value


_DURATION_RE = re.compile(r"^(?:-1|0|(?:\d+(?:\.\d+)?(?:h|m|s|ms))+)$")


def go_duration(value: Any) -> str:
    accepted = "a duration such as 30s, 5m or 1h30m (0 unloads at once, -1 keeps models loaded)"
    # `pulumi config set --path ollama.keepAlive 0` stores the number 0: it means what the text "0" does.
    if type(value) is int and value in (0, -1):
        return str(value)
    if not isinstance(value, str) or len(value) > 32 or not _DURATION_RE.match(value):
        raise Rejected(accepted)
    return value


# GEP-2257, the Gateway API's Duration (apis/v1/shared_types.go at v1.2.0).
_GATEWAY_DURATION_RE = re.compile(r"^(?:[0-9]{1,5}(?:h|m|s|ms)){1,4}$")
_DURATION_PART_RE = re.compile(r"([0-9]+)(h|ms|m|s)")
_DURATION_MS = {"h": 3_600_000, "m": 60_000, "s": 1000, "ms": 1}


def duration_seconds(written: str) -> Decimal:
    """Seconds in a GEP-2257 duration such as 1h30m or 90s."""
    return Decimal(sum(int(n) * _DURATION_MS[unit] for n, unit in _DURATION_PART_RE.findall(written))) / 1000


def route_timeout(value: Any) -> str:
    # Whole seconds: ingress-nginx's proxy timeouts are seconds, and the same value feeds both.
    accepted = "a Gateway API duration of whole seconds, at least 1s, such as 10m, 1h or 90s"
    if not isinstance(value, str) or not _GATEWAY_DURATION_RE.match(value):
        raise Rejected(accepted)
    seconds = duration_seconds(value)
    if seconds < 1 or seconds != seconds.to_integral_value():
        raise Rejected(accepted)
    return value


def scrape_interval(value: Any) -> str:
    # The dcgm-exporter chart's ServiceMonitor has scrapeTimeout 10s (values.yaml at 4.8.2), and
    # Prometheus refuses a scrape timeout longer than the interval.
    accepted = "a duration of at least 10s such as 15s, 30s or 1m"
    if not isinstance(value, str) or not re.match(r"^[1-9][0-9]{0,4}(?:s|m|h)$", value) or duration_seconds(value) < 10:
        raise Rejected(accepted)
    return value


def cidr_list(value: Any) -> tuple[str, ...]:
    accepted = "a list of CIDR ranges such as [192.168.1.0/24] (network addresses, no host bits set)"
    if not isinstance(value, list) or len(value) > 64:
        raise Rejected(accepted)
    for item in value:
        try:
            if not isinstance(item, str) or "/" not in item:
                raise ValueError(item)
            ipaddress.ip_network(item, strict=True)
        except ValueError:
            raise Rejected(accepted) from None
    return tuple(value)


def namespace_list(value: Any) -> tuple[str, ...]:
    if not isinstance(value, list) or len(value) > 64:
        raise Rejected("a list of namespace names")
    return tuple(namespace_name(item) for item in value)


annotation_key = _matching(_LABEL_KEY_RE, "an annotation key such as nginx.ingress.kubernetes.io/whitelist-source-range")
http_url = _matching(re.compile(r"^https?://[^\s/$.?#][^\s]*$"), "an http(s) URL such as http://oauth2-proxy.auth.svc/oauth2/auth", 2048)


def absolute_path(value: Any) -> str:
    if not isinstance(value, str) or not value.startswith("/") or value == "/" or "\0" in value or len(value) > 4096:
        raise Rejected("an absolute directory path other than '/', such as /root")
    return value.rstrip("/")


def optional(parse: Parser[T]) -> Parser[Optional[T]]:
    """Accepts what ``parse`` accepts, plus the empty string for 'not set'."""

    def parse_optional(value: Any) -> Optional[T]:
        return None if value == "" else parse(value)

    return parse_optional


def label_map(value: Any) -> Mapping[str, str]:
    accepted = "a non-empty map of Kubernetes label keys to label values, such as {nvidia.com/gpu.present: 'true'}"
    if not isinstance(value, dict) or not value:
        raise Rejected(accepted)
    labels = {}
    for key, item in value.items():
        if not isinstance(key, str) or len(key) > 253 or not _LABEL_KEY_RE.match(key):
            raise Rejected(accepted)
        # Label values are text; the CLI stores `true` as a boolean and 2 as a number, and both
        # have one spelling as a label value.
        written = ("true" if item else "false") if isinstance(item, bool) else text(item, accepted)
        if not _LABEL_VALUE_RE.match(written):
            raise Rejected(accepted)
        labels[key] = written
    return labels


def pod_label_map(value: Any) -> Mapping[str, str]:
    """A label map that may be empty: `{}` means 'not set'."""
    return {} if value == {} else label_map(value)


TAINT_EFFECTS = ("NoSchedule", "PreferNoSchedule", "NoExecute")


def taint_list(value: Any) -> tuple[tuple[str, Optional[str], str], ...]:
    """Node taints as (key, value or None, effect): a list of maps with `key`, an optional `value`, and `effect`."""
    accepted = ("a list of node taints such as [{key: dedicated, value: ai, effect: NoSchedule}]: `key` a label key, "
                "`value` a label value (optional), `effect` one of " + ", ".join(TAINT_EFFECTS))
    if not isinstance(value, list) or len(value) > 16:
        raise Rejected(accepted)
    taints = []
    for item in value:
        if not isinstance(item, dict) or not set(item) <= {"key", "value", "effect"} or "key" not in item:
            raise Rejected(accepted)
        key, effect = item["key"], item.get("effect")
        if not isinstance(key, str) or len(key) > 253 or not _LABEL_KEY_RE.match(key) or effect not in TAINT_EFFECTS:
            raise Rejected(accepted)
        written = item.get("value")
        if written is not None:
            written = ("true" if written else "false") if isinstance(written, bool) else text(written, accepted)
            if not written or not _LABEL_VALUE_RE.match(written):
                raise Rejected(accepted)
        taints.append((key, written, effect))
    return tuple(taints)


def model_list(value: Any) -> tuple[str, ...]:
    accepted = "a list of Ollama model names such as [llama3.2, qwen2.5:7b]"
    if not isinstance(value, list) or len(value) > 64:
        raise Rejected(accepted)
    for item in value:
        if not isinstance(item, str) or len(item) > 200 or not _MODEL_RE.match(item):
            raise Rejected(accepted)
    return tuple(value)
