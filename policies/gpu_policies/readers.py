"""Reading values out of resources as the policy SDK hands them over, and the counts found there.

The SDK wraps a resource's inputs in proxies that are ``collections.abc`` Mappings and Sequences
but not dicts and lists, so every check here is against the abstract types. A malformed resource
(no spec, null containers, a value of the wrong type) reads as absent: it is the API server's to
reject, never a violation and never an exception. The one exception to "absent" is a number no one
can count where a count belongs (NaN, an infinity, "1e999999999"): it is `Malformed`, and the
capacity policy reports it. A value still unknown during preview raises the
SDK's ``UnknownValueError`` when it is read; the SDK reports that as an advisory "can't run policy
during preview", so each reader touches only the values its question needs.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_CEILING, Decimal, InvalidOperation
from types import MappingProxyType
from typing import Any, Optional, Union

EMPTY: Mapping[str, Any] = MappingProxyType({})


def mapping(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else EMPTY


def sequence(value: Any) -> Sequence[Any]:
    # A string is a Sequence too, but never one of containers or terms.
    return value if isinstance(value, Sequence) and not isinstance(value, (str, bytes)) else ()


def dig(node: Any, path: Sequence[str]) -> Any:
    """The value at ``path`` below ``node``, or None where a part is missing or not a mapping."""
    for key in path:
        node = mapping(node).get(key)
    return node


def has_key(node: Mapping[str, Any], key: str) -> bool:
    """Whether ``key`` is written, without reading its value: a value unknown during preview is still written."""
    return any(written == key for written in node)


# Messages quote what a resource says, cut to this many characters: a name or value is the user's,
# and any length of it must still give a diagnostic one can read.
QUOTE_LIMIT = 80


def shown(value: Any) -> str:
    """A value from a resource as a message quotes it, cut to QUOTE_LIMIT characters."""
    text = value if isinstance(value, str) else repr(value)
    return text if len(text) <= QUOTE_LIMIT else text[: QUOTE_LIMIT - 1] + "…"


@dataclass(frozen=True)
class Malformed:
    """A number written where a count belongs that no one can count: NaN, an infinity, or a size
    outside COUNT_DIGITS. Policies that count report it; nothing does arithmetic with it."""

    written: str

    def __str__(self) -> str:
        return f"'{shown(self.written)}'"


# Counts here are GPUs, pods and percentages: a number with more than 18 digits before the point,
# or a nonzero one smaller than 1e-9, is none of these. Past these bounds a Decimal still parses
# ("1e999999999"), and every sum, product or rounding with it overflows.
COUNT_DIGITS = range(-9, 19)
NUMBER = re.compile(r"[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")
NON_FINITE = re.compile(r"[+-]?(?:s?nan[0-9]*|inf|infinity)", re.IGNORECASE)

Amount = Union[Decimal, Malformed]


def number(value: Any) -> Optional[Amount]:
    """A count as written: a Decimal within COUNT_DIGITS, Malformed for a number outside them, None for no number.

    Manifests write quantities as strings ("1", "1e3"), the engine hands numbers over as floats
    (1.0); booleans and other strings are no number at all.
    """
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        return None
    if isinstance(value, float) and not math.isfinite(value):
        return Malformed(repr(value))
    if isinstance(value, str):
        text = value.strip()
        if NON_FINITE.fullmatch(text):
            return Malformed(value)
        if not NUMBER.fullmatch(text):
            return None
        try:
            count = Decimal(text)
        except InvalidOperation:
            # An exponent too long for the decimal module itself.
            return Malformed(value)
    else:
        count = Decimal(value)
    if count == 0:
        return Decimal(0)
    return count if count.adjusted() in COUNT_DIGITS else Malformed(value if isinstance(value, str) else repr(value))


def gpu_count(value: Any) -> Optional[Amount]:
    """How many GPUs a limit or request asks for; None when it asks for none (zero, negative, no number).

    A number no one can count is Malformed: the pod still asks for a GPU, and the capacity policy
    reports the value.
    """
    count = number(value)
    if isinstance(count, Decimal) and count <= 0:
        return None
    return count


def pod_count(value: Any, default: int) -> Optional[Union[int, Malformed]]:
    """A replica or parallelism count: ``default`` when unset, None when it is no count at all."""
    if value is None:
        return default
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    count = number(value)
    if isinstance(count, Malformed):
        return count
    if count is None or count < 0 or count != count.to_integral_value():
        return None
    return int(count)


def surge_pods(max_surge: Any, replicas: int) -> Union[int, Malformed]:
    """Extra pods a rolling update starts: maxSurge as a count, or a percentage of replicas rounded up."""
    if replicas == 0:
        return 0
    if isinstance(max_surge, str) and max_surge.endswith("%"):
        percent = number(max_surge[:-1])
        if isinstance(percent, Malformed):
            return Malformed(max_surge)
        if percent is None or percent <= 0:
            return 0
        return int((percent * replicas / 100).to_integral_value(rounding=ROUND_CEILING))
    count = pod_count(max_surge, 0)
    return count or 0


def image_tag(reference: Any) -> Optional[str]:
    """The tag of an image reference: "" when it has none, None when a digest pins it or it is no reference.

    Only the last path component can carry the tag: in `registry:5000/app` the colon is a port.
    """
    if not isinstance(reference, str) or not reference.strip():
        return None
    if "@" in reference:
        return None
    _, colon, tag = reference.rsplit("/", 1)[-1].partition(":")
    return tag if colon else ""


def metadata_namespace(props: Mapping[str, Any]) -> str:
    """A Kubernetes object's namespace; "" stands for the provider's default namespace."""
    namespace = dig(props, ("metadata", "namespace"))
    return namespace if isinstance(namespace, str) else ""

