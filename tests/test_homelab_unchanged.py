"""The homelab stack registers exactly what it registered before platforms existed.

tests/golden/homelab-registrations.json was written from the program as it stood before
`gpu.platform` was added (Pulumi.homelab.yaml then named no platform), by
`registration_summary.summary_json` over the homelab capture, and regenerated since only for
changes the homelab is meant to receive: its HTTPRoutes' `timeouts.request: 10m` and Accepted
await; the NFD rule that labels its GPU node; its protected, retained app namespaces; the Cilium
Gateway rules and the model-pull Job in place of a start-up pull; the ComfyUI awaits; the model-pull
Job's replaceUnready annotation, log-end failure message and per-model deadline, and the NFD
worker's toleration of the GPU taint whatever its value. A difference means `pulumi up` on
the homelab would change something: regenerate the file only for a change the homelab is meant
to receive, and say so in that commit.
"""

from __future__ import annotations

from registration_summary import golden_summary, summary_json

from offline_preview.capture import Capture


def test_homelab_registers_exactly_its_golden_summary(homelab: Capture):
    assert summary_json(homelab) == golden_summary("homelab-registrations")
