"""`<app>.installed`: an app the stack does not deploy registers nothing, exports nothing and needs no hostname."""

from __future__ import annotations

import pytest
from tree_edits import DELETE

from offline_preview.capture import Capture


@pytest.mark.parametrize("app, other", [("ollama", "comfyui"), ("comfyui", "ollama")])
def test_an_app_not_installed_registers_nothing_and_needs_no_hostname(run_with, homelab: Capture, app, other):
    capture = run_with({f"{app}.installed": False, f"{app}.hostname": DELETE})
    assert capture.error is None, capture.error
    assert [r.name for r in capture.registrations if r.name.startswith(f"{app}-") or r.name == app] == []
    assert f"{app}Url" not in capture.outputs and f"{app}InternalUrl" not in capture.outputs
    assert app not in capture.outputs["namespaces"] and capture.outputs["gpuHolders"] == [other]
    # The other app is registered exactly as in the homelab stack; registrations arrive in no fixed order.
    def other_app(registered: Capture) -> dict[str, object]:
        return {r.name: r.inputs for r in registered.registrations if r.name.startswith(f"{other}-") or r.name == other}

    assert other_app(capture) == other_app(homelab)
