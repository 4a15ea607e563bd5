"""Resources as the engine hands them to the pack, for tests that make them up: each with the URN
the engine would give it in a stack named `test`."""

from __future__ import annotations

from typing import Any

from tree_edits import changed_config

from offline_preview.capture import run_program
from offline_preview.engine import Diagnostic, PolicyEngine, Resource
from offline_preview.preview import analyzer_resources
from policy_pack_config import policy_pack_config
from stack_config.stack_files import parse_stack_file_config

TEST_STACK_URN_PREFIX = "urn:pulumi:test::homelab-ai::"


def resource(type_: str, name: str, props: Any, protect: bool = False) -> Resource:
    return Resource(type_, name, props, f"{TEST_STACK_URN_PREFIX}{type_}::{name}", protect)


def analyze(engine: PolicyEngine, type_: str, name: str, props: Any) -> list[Diagnostic]:
    """The pack's verdict on one resource of a made-up stack."""
    return engine.analyze_resource(resource(type_, name, props))


def preview_diagnostics(engine: PolicyEngine, homelab_config: dict[str, Any], changes: dict[str, Any], policy: str,
                        pack_config: dict[str, Any] | None = None) -> list[Diagnostic]:
    """One stack policy's verdict on the homelab stack with ``changes``, as `pulumi preview --policy-pack-config`
    of the file `python -m policy_pack_config` writes sees it (or of ``pack_config``)."""
    config = changed_config(homelab_config, changes)
    capture = run_program(config)
    assert capture.error is None, capture.error
    engine.configure(policy_pack_config(parse_stack_file_config(config)) if pack_config is None else pack_config)
    return [d for d in engine.analyze_stack(analyzer_resources(capture)) if d.policy == policy]
