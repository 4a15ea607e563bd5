"""Resources as the engine hands them to the pack, for tests that make them up: each with the URN
the engine would give it in a stack named `test`."""

from __future__ import annotations

from typing import Any

from offline_preview.engine import Diagnostic, PolicyEngine, Resource

TEST_STACK_URN_PREFIX = "urn:pulumi:test::homelab-ai::"


def resource(type_: str, name: str, props: Any, protect: bool = False) -> Resource:
    return Resource(type_, name, props, f"{TEST_STACK_URN_PREFIX}{type_}::{name}", protect)


def analyze(engine: PolicyEngine, type_: str, name: str, props: Any) -> list[Diagnostic]:
    """The pack's verdict on one resource of a made-up stack."""
    return engine.analyze_resource(resource(type_, name, props))
