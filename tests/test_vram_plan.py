"""The VRAM plan: budgets declared once, turned into each app's own knobs, refused where they contradict
it, and added up by the pack before anything runs (docs/gpu-sharing.md)."""

from __future__ import annotations

import pytest
import yaml
from analyzer_inputs import preview_diagnostics, resource
from policy_corpus import TYPES, container, manifest, pod_spec
from preview_runs import offline_preview, stack_copy
from registrations import named
from tree_edits import changed_config

from gpu_policies.names import VRAM_BUDGET_ANNOTATION, VRAM_CACHE_ANNOTATION, VRAM_FOOTPRINT, VRAM_PLAN
from offline_preview.capture import Capture, run_program
from stack_config import ConfigError
from stack_config.stack_files import PROJECT_DIR, parse_stack_file_config

GIB, MIB = 2**30, 2**20
CARD = 16 * GIB
# The homelab stack with the plan: Ollama 9.5 GiB and ComfyUI 5.5 GiB of the 16 GiB card.
PLAN = {"ollama.vram.budget": "9.5Gi", "comfyui.vram.budget": "5.5Gi"}
# A plan with room: 8 GiB and 5 GiB, half a GiB of slack, so 2.5 GiB are left to no one.
ROOMY = {"ollama.vram.budget": "8Gi", "comfyui.vram.budget": "5Gi", "gpu.vramSlack": "512Mi"}
CU130 = {"gpu.driver": "580", "comfyui.image.tag": "cu130-megapak-pt211-20260701"}


def ollama_env(capture: Capture) -> dict[str, str]:
    return {e["name"]: e["value"] for e in named(capture, "ollama-release").inputs["values"]["extraEnv"]}


def comfyui_args(capture: Capture) -> list[str]:
    container = named(capture, "comfyui-deployment").inputs["spec"]["template"]["spec"]["containers"][0]
    return next(e["value"] for e in container["env"] if e["name"] == "CLI_ARGS").split()


def pod_annotations(capture: Capture) -> dict[str, dict[str, str]]:
    return {
        "ollama": named(capture, "ollama-release").inputs["values"].get("podAnnotations", {}),
        "comfyui": named(capture, "comfyui-deployment").inputs["spec"]["template"]["metadata"].get("annotations", {}),
    }


def run(homelab_config: dict, changes: dict) -> Capture:
    capture = run_program(changed_config(homelab_config, changes))
    assert capture.error is None, capture.error
    return capture


@pytest.mark.parametrize("changes, slack, budgets, flag", [
    (PLAN, GIB, (9.5 * GIB, 5.5 * GIB), "--reserve-vram"),
    (ROOMY, 512 * MIB, (8 * GIB, 5 * GIB), "--reserve-vram"),
    ({**ROOMY, **CU130}, 512 * MIB, (8 * GIB, 5 * GIB), "--vram-headroom"),
    ({**ROOMY, "comfyui.vram.loader": "dynamic"}, 512 * MIB, (8 * GIB, 5 * GIB), "--vram-headroom"),
], ids=["homelab-tight", "homelab-with-room", "cu130-dynamic-vram", "volume-says-dynamic"])
def test_the_plan_becomes_each_apps_own_knobs_by_the_documented_formulas(homelab_config, changes, slack, budgets, flag):
    capture = run(homelab_config, changes)
    # Each app keeps free what no budget and no slack claims, beyond what the other holds.
    left = int(CARD - slack - sum(budgets))
    env = ollama_env(capture)
    assert {name: env[name] for name in ("OLLAMA_GPU_OVERHEAD", "OLLAMA_MAX_LOADED_MODELS", "OLLAMA_NUM_PARALLEL",
                                         "OLLAMA_CONTEXT_LENGTH", "OLLAMA_KEEP_ALIVE")} == {
        "OLLAMA_GPU_OVERHEAD": str(left), "OLLAMA_MAX_LOADED_MODELS": "1", "OLLAMA_NUM_PARALLEL": "1",
        "OLLAMA_CONTEXT_LENGTH": "4096", "OLLAMA_KEEP_ALIVE": "-1",
    }
    args = comfyui_args(capture)
    assert args[-2:] == [flag, f"{left / GIB:g}"]
    assert pod_annotations(capture) == {
        "ollama": {VRAM_BUDGET_ANNOTATION: str(int(budgets[0])), VRAM_CACHE_ANNOTATION: str(128 * 1024)},
        "comfyui": {VRAM_BUDGET_ANNOTATION: str(int(budgets[1]))},
    }


def test_the_plans_ollama_footprint_settings_reach_its_env(homelab_config):
    env = ollama_env(run(homelab_config, {**PLAN, "ollama.vram.models": 2, "ollama.vram.parallel": 3,
                                          "ollama.vram.contextLength": 8192}))
    assert (env["OLLAMA_MAX_LOADED_MODELS"], env["OLLAMA_NUM_PARALLEL"], env["OLLAMA_CONTEXT_LENGTH"]) == ("2", "3", "8192")


def test_without_a_plan_no_knob_is_set(homelab):
    env = ollama_env(homelab)
    assert not {"OLLAMA_GPU_OVERHEAD", "OLLAMA_MAX_LOADED_MODELS", "OLLAMA_NUM_PARALLEL", "OLLAMA_CONTEXT_LENGTH"} & set(env)
    assert env["OLLAMA_KEEP_ALIVE"] == "1m"
    assert not {"--reserve-vram", "--vram-headroom"} & set(comfyui_args(homelab))
    assert pod_annotations(homelab) == {"ollama": {}, "comfyui": {}}
    assert "vramPlan" not in homelab.outputs


def refusal(homelab_config: dict, changes: dict) -> str:
    with pytest.raises(ConfigError) as raised:
        parse_stack_file_config(changed_config(homelab_config, changes))
    return str(raised.value)


@pytest.mark.parametrize("changes, named_keys", [
    ({**PLAN, "ollama.env": {"OLLAMA_NUM_PARALLEL": 2}}, ["ollama.env.OLLAMA_NUM_PARALLEL", "ollama.vram.parallel"]),
    ({**PLAN, "ollama.env": {"OLLAMA_GPU_OVERHEAD": 0}}, ["ollama.env.OLLAMA_GPU_OVERHEAD", "ollama.vram.budget"]),
    ({**PLAN, "ollama.env": {"OLLAMA_CONTEXT_LENGTH": 8192}}, ["ollama.env.OLLAMA_CONTEXT_LENGTH", "ollama.vram.contextLength"]),
    ({**PLAN, "ollama.env": {"OLLAMA_MAX_LOADED_MODELS": 0}}, ["ollama.env.OLLAMA_MAX_LOADED_MODELS", "ollama.vram.models"]),
    ({**PLAN, "ollama.keepAlive": "5m"}, ["ollama.keepAlive", "ollama.vram.budget"]),
    ({**PLAN, "comfyui.extraArgs": ["--reserve-vram", 4]}, ["comfyui.extraArgs", "comfyui.vram.budget"]),
    ({**PLAN, "comfyui.extraArgs": ["--highvram"]}, ["comfyui.extraArgs", "comfyui.vram.budget"]),
    ({**PLAN, **CU130, "comfyui.extraArgs": ["--vram-headroom", 1]}, ["comfyui.extraArgs", "comfyui.vram.budget"]),
    ({**PLAN, **CU130, "comfyui.extraArgs": ["--disable-dynamic-vram"]}, ["comfyui.extraArgs", "comfyui.vram.budget"]),
    ({**PLAN, **CU130, "comfyui.extraArgs": ["--novram"]}, ["comfyui.extraArgs", "comfyui.vram.budget"]),
], ids=["parallel", "overhead", "context", "models", "keep-alive", "reserve-vram", "highvram", "headroom-on-dynamic",
        "dynamic-vram-off", "novram-turns-dynamic-off"])
def test_a_setting_that_contradicts_the_plan_is_refused_naming_both_keys(homelab_config, changes, named_keys):
    message = refusal(homelab_config, changes)
    for key in named_keys:
        assert key in message


def test_the_same_settings_without_a_plan_are_the_stacks_own(homelab_config):
    capture = run(homelab_config, {"ollama.env": {"OLLAMA_NUM_PARALLEL": 2}, "ollama.keepAlive": "5m",
                                   "comfyui.extraArgs": ["--reserve-vram", 4]})
    assert ollama_env(capture)["OLLAMA_NUM_PARALLEL"] == "2"
    assert comfyui_args(capture)[-2:] == ["--reserve-vram", "4"]


@pytest.mark.parametrize("changes, accepted_by", [
    ({**CU130, "comfyui.extraArgs": ["--lowvram"]}, "does nothing under Dynamic VRAM"),
    ({"comfyui.extraArgs": ["--vram-headroom", 2]}, "has no such flag"),
    ({"comfyui.extraArgs": ["--disable-dynamic-vram"]}, "has no such flag"),
    ({"comfyui.vram.loader": "dynamic", "comfyui.extraArgs": ["--lowvram"]}, "does nothing under Dynamic VRAM"),
], ids=["lowvram-on-dynamic", "headroom-on-estimate", "disable-dynamic-on-estimate", "volume-holds-dynamic"])
def test_a_flag_the_loader_generation_has_no_use_for_is_refused(homelab_config, changes, accepted_by):
    message = refusal(homelab_config, changes)
    assert "comfyui.extraArgs" in message and accepted_by in message


def test_lowvram_is_the_older_loaders_again_once_dynamic_vram_is_off(homelab_config):
    capture = run(homelab_config, {**CU130, "comfyui.extraArgs": ["--disable-dynamic-vram", "--lowvram"]})
    assert comfyui_args(capture)[-2:] == ["--disable-dynamic-vram", "--lowvram"]


@pytest.mark.parametrize("changes, key, accepted", [
    ({**PLAN, "gpu.memory": ""}, "gpu.memory", "required once ollama.vram.budget sets a VRAM plan"),
    ({"ollama.vram.budget": "9Gi"}, "comfyui.vram.budget", "a plan that leaves a GPU app out"),
    ({**PLAN, "ollama.gpus": 0}, "ollama.vram.budget", "no value while ollama.gpus is 0"),
    ({**PLAN, "ollama.vram.budget": "17Gi"}, "ollama.vram.budget", "at most gpu.memory (16Gi)"),
    ({**PLAN, "comfyui.image.tag": "cu128-megapak-20260401"}, "comfyui.vram.loader", "does not say which ComfyUI loader"),
    ({**PLAN, "comfyui.vram.budget": "512Mi"}, "comfyui.vram.budget", "of at least 1Gi"),
    ({"comfyui.image.tag": "cu128-megapak-20260401", "comfyui.extraArgs": ["--vram-headroom", 1]}, "comfyui.vram.loader",
     "gives --vram-headroom, which only some ComfyUI releases parse"),
], ids=["no-card-memory", "one-app-left-out", "budget-without-a-gpu", "budget-above-the-card", "unplaced-image-build",
        "below-inference-memory", "dynamic-flag-on-an-unplaced-build"])
def test_an_incomplete_plan_is_refused_before_anything_is_registered(homelab_config, changes, key, accepted):
    message = refusal(homelab_config, changes)
    assert f"homelab-ai:{key}" in message and accepted in message


def test_a_disabled_app_keeps_its_share_so_the_other_app_never_restarts(homelab_config):
    assert ollama_env(run(homelab_config, {**ROOMY, "comfyui.enabled": False})) == ollama_env(run(homelab_config, ROOMY))


def test_an_over_committed_plan_fails_the_offline_preview_naming_the_vram_policy(tmp_path, homelab_config):
    stack_dir = stack_copy(tmp_path, homelab_config, {"ollama.vram.budget": "10Gi", "comfyui.vram.budget": "6Gi"})

    result = offline_preview("homelab", "--stack-dir", str(stack_dir))

    assert result.returncode == 1, result.stdout
    assert f"[mandatory] [severity: high]  {VRAM_PLAN}" in result.stdout
    assert ("the GPU pods' VRAM budgets add up to 16.00 GiB, and with the 1.00 GiB slack per GPU to 17.00 GiB, "
            "more than the 16.00 GiB of 1 GPU(s) of 16.00 GiB") in result.stdout
    assert "Release 'ollama-release' (chart ollama) 1 pod(s) x 10.00 GiB" in result.stdout


@pytest.mark.parametrize("changes", [PLAN, ROOMY], ids=["tight", "with-room"])
def test_a_plan_that_fits_passes_the_offline_preview(tmp_path, homelab_config, changes):
    result = offline_preview("homelab", "--stack-dir", str(stack_copy(tmp_path, homelab_config, changes)))
    assert result.returncode == 0, result.stdout


def test_budgets_without_the_cards_memory_in_the_pack_config_are_refused(engine, homelab_config):
    (diagnostic,) = preview_diagnostics(engine, homelab_config, PLAN, VRAM_PLAN, pack_config={})
    assert diagnostic.level == "mandatory" and "gpuMemory (bytes of each GPU) is not set" in diagnostic.message


def test_a_budget_beyond_one_card_is_refused_even_when_the_sum_fits_two(engine, homelab_config):
    two_cards = {VRAM_PLAN: {"gpuMemory": 8 * GIB, "gpus": 2, "replicasPerGpu": 2}}
    (diagnostic,) = preview_diagnostics(engine, homelab_config, ROOMY, VRAM_PLAN, pack_config=two_cards)
    assert diagnostic.message.split("\n", 1)[1] == (
        "Release 'ollama-release' (chart ollama): its VRAM budget of 8.00 GiB does not fit one GPU "
        "(8.00 GiB, less the 1.00 GiB slack: 7.00 GiB).")


@pytest.mark.parametrize("changes, footprint", [
    # 2 models x (457 MiB + 32768 tokens x 4 slots x 128 KiB) = 2 x (0.45 + 16) GiB.
    ({**PLAN, "ollama.vram.models": 2, "ollama.vram.parallel": 4, "ollama.vram.contextLength": 32768},
     "32.89 GiB: 2 model(s) x (457 MiB runner + 32768 tokens x 4 slot(s) x 128 KiB/token)"),
    # The same cache quantized to q8_0, which flash attention makes Ollama honour: half of it.
    ({**PLAN, "ollama.vram.models": 2, "ollama.vram.parallel": 4, "ollama.vram.contextLength": 32768,
      "ollama.env": {"OLLAMA_FLASH_ATTENTION": True, "OLLAMA_KV_CACHE_TYPE": "q8_0"}},
     "16.89 GiB: 2 model(s) x (457 MiB runner + 32768 tokens x 4 slot(s) x 128 KiB/token (q8_0))"),
    # A model with a larger cache per token: 32768 tokens x 320 KiB = 10 GiB, more than 9.5 on its own.
    ({**PLAN, "ollama.vram.contextLength": 32768, "ollama.vram.cachePerToken": "320Ki"},
     "10.45 GiB: 1 model(s) x (457 MiB runner + 32768 tokens x 1 slot(s) x 320 KiB/token)"),
], ids=["long-context-many-slots", "quantized-cache", "wide-model"])
def test_an_ollama_footprint_beyond_its_budget_is_named_before_any_weights(engine, homelab_config, changes, footprint):
    (diagnostic,) = preview_diagnostics(engine, homelab_config, changes, VRAM_FOOTPRINT)
    assert diagnostic.level == "advisory"
    assert f"Release 'ollama-release' (chart ollama): its settings alone hold {footprint}, more than its VRAM budget " \
           "of 9.50 GiB" in diagnostic.message


def test_the_homelab_plan_fits_its_ollama_footprint(engine, homelab_config):
    assert preview_diagnostics(engine, homelab_config, PLAN, VRAM_FOOTPRINT) == []


def _worked_plans() -> dict[str, dict]:
    """The YAML block of each worked plan in docs/gpu-sharing.md, by its heading."""
    text = (PROJECT_DIR / "docs" / "gpu-sharing.md").read_text()
    plans = {}
    for section in text.split("\n### Worked plan: ")[1:]:
        heading = section.split("\n", 1)[0]
        block = section.split("```yaml\n", 1)[1].split("```", 1)[0]
        plans[heading] = yaml.safe_load(block)
    return plans


def test_the_docs_work_through_two_plans():
    assert list(_worked_plans()) == ["an 8B chat model beside SDXL", "an 8B chat model beside Flux"]


@pytest.mark.parametrize("heading", _worked_plans())
def test_each_worked_plan_in_the_docs_registers_what_the_docs_say(homelab_config, heading):
    plan = _worked_plans()[heading]
    config = {key: {**homelab_config.get(key, {}), **value} for key, value in plan.items()}
    capture = run_program({**homelab_config, **config})
    assert capture.error is None, capture.error
    # Both worked plans leave nothing to no one: 16 GiB less the 1 GiB slack and both budgets is 0.
    budgets = [yaml_quantity(plan[f"homelab-ai:{app}"]["vram"]["budget"]) for app in ("ollama", "comfyui")]
    assert CARD - GIB - sum(budgets) == 0
    assert ollama_env(capture)["OLLAMA_GPU_OVERHEAD"] == "0"
    assert comfyui_args(capture)[-2:] == ["--reserve-vram", "0"]
    assert capture.outputs["vramPlan"]["budgets"] == {"ollama": budgets[0], "comfyui": budgets[1]}


def yaml_quantity(written: str) -> int:
    return int(written.removesuffix("Gi")) * GIB


# The VRAM policies over hand-made stacks: the pack guards any program, not only this one.

def budgeted(kind: str, budget: str | None, env: dict[str, str] | None = None, **annotations: str) -> tuple[str, dict]:
    spec = pod_spec(container())
    if env is not None:
        spec["containers"][0]["env"] = [{"name": name, "value": value} for name, value in env.items()]
    props = manifest(kind, spec)
    pod_metadata = props if kind == "Pod" else props["spec"]["template"]
    pod_metadata.setdefault("metadata", {}).setdefault("annotations", {}).update(
        {**({VRAM_BUDGET_ANNOTATION: budget} if budget is not None else {}), **annotations})
    return TYPES[kind], props


SHARED = {VRAM_PLAN: {"gpuMemory": CARD, "replicasPerGpu": 2}, VRAM_FOOTPRINT: {"gpuMemory": CARD}}
HAND_MADE = {
    # id: (resources, the VRAM_PLAN message's start or None, the footprint message's part or None)
    "two-budgets-that-fit": ([budgeted("Deployment", str(8 * GIB)), budgeted("Pod", str(7 * GIB))], None, None),
    "two-budgets-that-do-not": ([budgeted("Deployment", str(8 * GIB)), budgeted("Pod", str(8 * GIB))],
                                "the GPU pods' VRAM budgets add up to 16.00 GiB", None),
    "a-budget-that-is-no-number": ([budgeted("Deployment", "8Gi")],
                                   "Deployment 'app0': its VRAM budget (annotation homelab-ai/vram-budget) is '8Gi'", None),
    "a-pod-without-a-budget-on-the-shared-card": ([budgeted("Deployment", str(8 * GIB)), budgeted("Pod", None)],
                                                  "Pod 'app1' share(s) the time-sliced GPUs with budgeted pods", None),
    "no-budgets-at-all": ([budgeted("Deployment", None), budgeted("Pod", None)], None, None),
    # Ollama as a plain Deployment: 3 models per GPU and the card's default context (4096 below 23 GiB).
    "an-ollama-deployment-with-ollamas-defaults": (
        [budgeted("Deployment", str(GIB), {"OLLAMA_KEEP_ALIVE": "5m"}, **{VRAM_CACHE_ANNOTATION: str(128 * 1024)})],
        None, "3 model(s) x (457 MiB runner + 4096 tokens x 1 slot(s) x 128 KiB/token)"),
}


@pytest.mark.parametrize("resources, plan, footprint", HAND_MADE.values(), ids=HAND_MADE.keys())
def test_the_vram_policies_read_any_programs_budgets(engine, resources, plan, footprint):
    engine.configure(SHARED)
    stack = [resource(type_, f"app{i}", props) for i, (type_, props) in enumerate(resources)]
    found = engine.analyze_stack(stack)
    plans = [d.message.split("\n", 1)[1] for d in found if d.policy == VRAM_PLAN]
    footprints = [d.message.split("\n", 1)[1] for d in found if d.policy == VRAM_FOOTPRINT]
    assert [message[:len(plan)] for message in plans] == ([plan] if plan else [])
    assert len(footprints) == (1 if footprint else 0) and all(footprint in m for m in footprints)
