"""The benchmarks' floors stay floors: the no-op pack mirrors the real one, the bare program runs."""

from __future__ import annotations

import re

from analyzer_inputs import analyze

from offline_preview.capture import run_program
from offline_preview.engine import PolicyEngine
from stack_config.stack_files import PROJECT_DIR, stack_file_config

NOOP_PACK = PROJECT_DIR / "bench" / "noop_pack"


def test_noop_pack_has_the_real_packs_policies_and_reports_nothing(engine):
    expected = [(p.name, p.policy_type, p.enforcementLevel) for p in engine.info().policies]
    with PolicyEngine(program=str(NOOP_PACK), cwd=NOOP_PACK) as noop:
        assert [(p.name, p.policy_type, p.enforcementLevel) for p in noop.info().policies] == expected
        noop.configure({})
        bad = {"spec": {"template": {"spec": {"containers": [{"name": "a", "resources": {"limits": {"nvidia.com/gpu": 1}}}]}}}}
        assert analyze(noop, "kubernetes:apps/v1:Deployment", "bad", bad) == []


def test_bare_program_registers_one_resource_from_the_same_sdk():
    capture = run_program(stack_file_config("homelab"), program=PROJECT_DIR / "bench" / "bare_program.py")
    assert capture.error is None
    assert [r.type for r in capture.registrations] == ["kubernetes:core/v1:Namespace"]


def test_bare_program_loads_every_sdk_api_group_the_program_uses():
    """The floor pays the SDK's per-group import the program pays, so the ratio measures the program."""
    sources = [PROJECT_DIR / "__main__.py", *sorted((PROJECT_DIR / "components").glob("*.py"))]
    used = {group for path in sources for group in re.findall(r"\bk8s\.([a-z]+)\.", path.read_text())}
    bare = (PROJECT_DIR / "bench" / "bare_program.py").read_text().split("SDK_CLASSES = (", 1)[1].split(")", 1)[0]
    assert used and used <= set(re.findall(r"\bk8s\.([a-z]+)\.", bare))
