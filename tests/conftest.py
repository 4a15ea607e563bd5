"""Shared captures of the real program under mocks, and the policy pack's process."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, Callable

import pytest
from fuzz_counts import TRIED
from open_webui_stacks import OPEN_WEBUI_ON, OPEN_WEBUI_SECRET_KEYS
from policy_corpus import DeclaredPoliciesOnly
from tree_edits import changed_config

from offline_preview.capture import Capture, run_program
from offline_preview.engine import PolicyEngine
from stack_config.stack_files import stack_file_config


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


@pytest.fixture(scope="session")
def open_webui(homelab_config) -> Capture:
    """The homelab stack with Open WebUI installed, its password and key held as stack secrets."""
    capture = run_program(changed_config(homelab_config, {"openwebui": OPEN_WEBUI_ON}), secret_keys=OPEN_WEBUI_SECRET_KEYS)
    assert capture.error is None, capture.error
    return capture


@pytest.fixture
def run_with(homelab_config) -> Callable[..., Capture]:
    """Runs the program on the homelab config with some fields changed (see ``changed_config``)."""

    def run(changes: dict[str, Any]) -> Capture:
        return run_program(changed_config(homelab_config, changes))

    return run



@pytest.fixture(scope="session")
def policy_pack() -> Iterator[PolicyEngine]:
    """One pack process per worker; its configuration is whatever the last test set (see ``engine``)."""
    with DeclaredPoliciesOnly() as pack:
        yield pack


@pytest.fixture
def engine(policy_pack: PolicyEngine) -> PolicyEngine:
    """The pack with its default configuration, as `pulumi preview --policy-pack policies` runs it;
    a test that configures it leaves nothing behind for the next."""
    policy_pack.configure({})
    return policy_pack
