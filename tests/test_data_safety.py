"""Both 100 Gi caches survive every change the config allows.

Pulumi replaces a resource only under a new URN, on a diff the provider marks for replacement, or
by an option the program sets; the program sets none of those on a cache, and keeps the cache's
name and parent fixed whatever the config says. Protection then refuses the replacements the
provider would plan (a storage-class change, which Kubernetes cannot make in place) and makes
a plain `pulumi destroy` fail; retainOnDelete keeps the claim once protection is lifted. Both
hold for the claim's Namespace too, whose deletion would delete the claim. Size changes are
in-place updates: pulumi-kubernetes does not replace a PVC on `spec.resources`, and Longhorn
expands the volume.
"""

from __future__ import annotations

import pytest
from registrations import named, of_type
from tree_edits import DELETE

from offline_preview.capture import Capture

CLAIMS = {"ollama-models": "ollama", "comfyui-data": "comfyui"}

CHANGES = {
    "app-disabled": {"ollama.enabled": False, "comfyui.enabled": False},
    "scaled-to-zero": {"ollama.replicas": 0, "comfyui.replicas": 0},
    "chart-upgrade": {"ollama.chart.version": "1.42.0"},
    "image-upgrade": {"ollama.image.tag": "0.18.0", "comfyui.image.tag": "cu128-megapak-20260301"},
    "storage-grown": {"ollama.storage.size": "200Gi", "comfyui.storage.size": "250Gi"},
    "storage-class-changed": {"ollama.storage.storageClass": "longhorn-ssd", "comfyui.storage.storageClass": "local-path"},
    "exposure-removed": {"exposure": {"kind": "none"}},
    "gpu-plumbing-elsewhere": {"gpu.plugin": "none"},
    "exclusive-gpu": {"gpu.sharing": {"strategy": "exclusive"}, "comfyui.enabled": False},
    "data-path-moved": {"comfyui.dataPath": "/data"},
    "namespace-renamed": {"ollama.namespace": "llm", "comfyui.namespace": "imagegen"},
    "hostnames-removed": {"exposure": {"kind": "none"}, "ollama.hostname": DELETE, "comfyui.hostname": DELETE},
}


@pytest.mark.parametrize("change", CHANGES.values(), ids=CHANGES.keys())
@pytest.mark.parametrize("claim", CLAIMS)
def test_cache_keeps_its_identity_and_protection_through(run_with, homelab: Capture, change, claim):
    capture = run_with(change)
    assert capture.error is None, capture.error
    before, after = named(homelab, claim), named(capture, claim)
    assert after.urn == before.urn
    assert after.inputs["metadata"]["name"] == claim
    assert (after.protect, after.retain_on_delete) == (True, True)
    assert after.delete_before_replace is False
    assert list(after.request.replaceOnChanges) == [] and list(after.request.aliases) == []
    assert after.request.deletedWith == ""


def test_namespace_rename_moves_the_claim_only_by_replacement_which_protection_refuses(run_with):
    """A renamed namespace is a new claim to Kubernetes: Pulumi would replace it, and protect refuses."""
    capture = run_with(CHANGES["namespace-renamed"])
    assert named(capture, "ollama-models").inputs["metadata"]["namespace"] == "llm"
    assert named(capture, "ollama-models").protect


@pytest.mark.parametrize("claim", CLAIMS)
def test_no_helm_release_owns_a_cache(homelab: Capture, claim):
    for release in of_type(homelab, "kubernetes:helm.sh/v3:Release"):
        assert release.urn not in named(homelab, claim).dependencies
    assert named(homelab, "ollama-release").inputs["values"]["persistentVolume"]["existingClaim"] == "ollama-models"


def test_ollama_models_clean_stays_false_whatever_the_models(run_with):
    capture = run_with({"ollama.models": {"pull": ["qwen2.5:7b", "llama3.2"]}})
    assert named(capture, "ollama-release").inputs["values"]["ollama"]["models"]["clean"] is False


def cascades_to(capture: Capture, claim) -> list:
    """Registered resources whose deletion Kubernetes carries on to the claim: its Namespace (namespace
    deletion removes every object in it) and any owner named in its ownerReferences (garbage collection)."""
    metadata = claim.inputs["metadata"]
    owners = {(o.get("kind"), o.get("name")) for o in metadata.get("ownerReferences", [])}
    return [r for r in capture.registrations if
            (r.type == "kubernetes:core/v1:Namespace" and r.inputs["metadata"]["name"] == metadata["namespace"])
            or (r.type.rsplit(":", 1)[-1], r.inputs.get("metadata", {}).get("name")) in owners]


@pytest.mark.parametrize("change", [{}, *CHANGES.values()], ids=["homelab", *CHANGES.keys()])
def test_whatever_would_take_a_protected_cache_with_it_is_kept_like_the_cache(run_with, change):
    capture = run_with(change)
    assert capture.error is None, capture.error
    claims = [r for r in of_type(capture, "kubernetes:core/v1:PersistentVolumeClaim") if r.protect]
    assert sorted(c.name for c in claims) == sorted(CLAIMS)
    for claim in claims:
        cascading = cascades_to(capture, claim)
        # The program owns each cache's namespace, so a Pulumi delete of it is possible at all.
        assert any(r.type == "kubernetes:core/v1:Namespace" for r in cascading), claim.name
        for resource in cascading:
            assert (resource.protect, resource.retain_on_delete) == (True, True), (claim.name, resource.name)
