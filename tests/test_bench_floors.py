"""The benchmarks' floors stay floors: the no-op pack mirrors the real one, the bare program runs."""

from __future__ import annotations

from offline_preview.capture import run_program
from offline_preview.engine import PolicyEngine
from policy_pack_config import PROJECT_DIR, stack_file_config

NOOP_PACK = PROJECT_DIR / "bench" / "noop_pack"


def test_noop_pack_has_the_real_packs_policies_and_reports_nothing(engine):
    expected = [(p.name, p.policy_type, p.enforcementLevel) for p in engine.info().policies]
    with PolicyEngine(program=str(NOOP_PACK), cwd=NOOP_PACK) as noop:
        assert [(p.name, p.policy_type, p.enforcementLevel) for p in noop.info().policies] == expected
        noop.configure({})
        bad = {"spec": {"template": {"spec": {"containers": [{"name": "a", "resources": {"limits": {"nvidia.com/gpu": 1}}}]}}}}
        assert noop.analyze("kubernetes:apps/v1:Deployment", "bad", bad) == []


def test_bare_program_registers_one_resource_from_the_same_sdk():
    capture = run_program(stack_file_config("homelab"), program=PROJECT_DIR / "bench" / "bare_program.py")
    assert capture.error is None
    assert [r.type for r in capture.registrations] == ["kubernetes:core/v1:Namespace"]
