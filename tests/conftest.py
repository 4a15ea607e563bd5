"""Shared captures of the real program under mocks."""

from __future__ import annotations

from typing import Any, Callable

import pytest
from fuzz_counts import TRIED
from tree_edits import changed

from offline_preview.capture import Capture, run_program
from policy_pack_config import stack_file_config


def pytest_sessionfinish(session):
    workeroutput = getattr(session.config, "workeroutput", None)
    if workeroutput is not None:
        workeroutput["fuzz_tried"] = dict(TRIED)


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node, error):
    """Under pytest-xdist each worker counts its own fuzz inputs; the controller adds them up."""
    TRIED.update(getattr(node, "workeroutput", {}).get("fuzz_tried", {}))


def pytest_terminal_summary(terminalreporter):
    for name, count in sorted(TRIED.items()):
        terminalreporter.write_line(f"fuzz: {count} generated inputs tried by {name}")


@pytest.fixture(scope="session")
def homelab_config() -> dict[str, Any]:
    """Pulumi.homelab.yaml's config, exactly as committed."""
    return stack_file_config("homelab")


@pytest.fixture(scope="session")
def homelab(homelab_config) -> Capture:
    """The homelab stack as the engine receives it."""
    capture = run_program(homelab_config)
    assert capture.error is None, capture.error
    return capture


def changed_config(config: dict[str, Any], changes: dict[str, Any]) -> dict[str, Any]:
    """A copy of a stack file's config with some fields changed.

    ``{"gpu.plugin": "none"}`` sets homelab-ai:gpu.plugin; a value of ``DELETE`` removes the field.
    """
    for dotted, value in changes.items():
        config = changed(config, f"homelab-ai:{dotted}", value)
    return config


@pytest.fixture
def run_with(homelab_config) -> Callable[..., Capture]:
    """Runs the program on the homelab config with some fields changed (see ``changed_config``)."""

    def run(changes: dict[str, Any]) -> Capture:
        return run_program(changed_config(homelab_config, changes))

    return run

