"""Finding registrations in a capture of the program, by name or type."""

from __future__ import annotations

from offline_preview.capture import Capture, Registration


def of_type(capture: Capture, type_: str) -> list[Registration]:
    return [r for r in capture.registrations if r.type == type_]


def named(capture: Capture, name: str) -> Registration:
    found = [r for r in capture.registrations if r.name == name]
    assert len(found) == 1, f"expected one resource named {name!r}, found {[r.type for r in found]}"
    return found[0]


def names(capture: Capture) -> set[str]:
    return {r.name for r in capture.registrations}


def urn_of(capture: Capture, name: str) -> str:
    return named(capture, name).urn
