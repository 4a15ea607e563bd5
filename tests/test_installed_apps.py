"""`<app>.installed`: an app the stack does not deploy registers nothing, exports nothing and needs no hostname."""

from __future__ import annotations

import pytest
from tree_edits import DELETE


@pytest.mark.parametrize("app, other", [("ollama", "comfyui"), ("comfyui", "ollama")])
def test_an_app_not_installed_registers_nothing_and_needs_no_hostname(run_with, app, other):
    capture = run_with({f"{app}.installed": False, f"{app}.hostname": DELETE})
    assert capture.error is None, capture.error
    assert [r.name for r in capture.registrations if r.name.startswith(f"{app}-") or r.name == app] == []
    assert f"{app}Url" not in capture.outputs and f"{app}InternalUrl" not in capture.outputs
    assert app not in capture.outputs["namespaces"] and capture.outputs["gpuHolders"] == [other]
    # The other app is registered exactly as in the homelab stack (run afresh: other tests may edit the shared capture).
    homelab = run_with({})
    kept = [r for r in homelab.registrations if r.name.startswith(f"{other}-") or r.name == other]
    assert [(r.name, r.inputs) for r in kept] == [
        (r.name, r.inputs) for r in capture.registrations if r.name.startswith(f"{other}-") or r.name == other]
