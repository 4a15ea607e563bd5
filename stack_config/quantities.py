"""Kubernetes quantities (resource.Quantity's notation) as the stack writes them: their value, and
the parsers of CPU and byte amounts."""

from __future__ import annotations

import math
import re
from decimal import Decimal, InvalidOperation
from typing import Any

from stack_config.values import Parser, Rejected, text

_QUANTITY_RE = re.compile(
    r"^(?P<number>\+?(?:\d+(?:\.\d*)?|\.\d+))(?P<suffix>Ki|Mi|Gi|Ti|Pi|Ei|n|u|m|k|M|G|T|P|E|[eE][+-]?\d+)?$"
)
_QUANTITY_FACTORS = {
    "": Decimal(1), "n": Decimal("1e-9"), "u": Decimal("1e-6"), "m": Decimal("1e-3"),
    "k": Decimal(10) ** 3, "M": Decimal(10) ** 6, "G": Decimal(10) ** 9,
    "T": Decimal(10) ** 12, "P": Decimal(10) ** 15, "E": Decimal(10) ** 18,
    "Ki": Decimal(2) ** 10, "Mi": Decimal(2) ** 20, "Gi": Decimal(2) ** 30,
    "Ti": Decimal(2) ** 40, "Pi": Decimal(2) ** 50, "Ei": Decimal(2) ** 60,
}
BYTE_UNITS = ("Ki", "Mi", "Gi", "Ti", "Pi", "Ei", "k", "M", "G", "T", "P", "E")


def quantity_value(written: str) -> Decimal:
    """The numeric value of a Kubernetes quantity string; raises ValueError if it is not one."""
    match = _QUANTITY_RE.match(written)
    if not match:
        raise ValueError(written)
    suffix = match.group("suffix") or ""
    try:
        number = Decimal(match.group("number"))
        if suffix[:1] in ("e", "E"):
            return number * (Decimal(10) ** int(suffix[1:]))
        return number * _QUANTITY_FACTORS[suffix]
    except (InvalidOperation, OverflowError, ValueError) as error:
        raise ValueError(written) from error


def quantity_bytes(written: str) -> int:
    """A quantity of bytes, such as 9.5Gi, as a whole number of bytes (byte_quantity accepts only whole ones)."""
    return round(quantity_value(written))


def byte_quantity(minimum: str, examples: str) -> Parser[str]:
    """Bytes with a unit, at least ``minimum``: a bare `4` is four bytes and `1e3` a kilobyte, never what was meant."""
    accepted = f"a Kubernetes quantity of bytes with a unit ({', '.join(BYTE_UNITS)}) of at least {minimum}, such as {examples}"
    floor = quantity_value(minimum)

    def parse(value: Any) -> str:
        if not isinstance(value, str) or len(value) > 32:
            raise Rejected(accepted)
        match = _QUANTITY_RE.match(value)
        if not match or match.group("suffix") not in BYTE_UNITS:
            raise Rejected(accepted)
        amount = quantity_value(value)
        if amount < floor or amount != amount.to_integral_value():
            raise Rejected(accepted)
        return value

    return parse


def cpu_quantity(value: Any) -> str:
    accepted = "a Kubernetes CPU quantity such as 1000m, 4 or 0.5"
    # `cpu: 4` and `cpu: 0.5` are how Kubernetes manifests write CPUs; the number means the same as its text.
    if isinstance(value, float) and math.isfinite(value):
        value = repr(value)
    written = text(value, accepted)
    if len(written) > 32:
        raise Rejected(accepted)
    try:
        amount = quantity_value(written)
    except ValueError:
        raise Rejected(accepted) from None
    if amount <= 0:
        raise Rejected(accepted)
    return written
