"""`pulumi up` waits as long as these apps really take, and fails when a route is not attached.

Facts from pulumi-kubernetes (provider/pkg/await/): a Service is awaited up to 10 minutes until
none of its endpoints is not-ready (service.go); `pulumi.com/skipAwait: "true"` turns any await
off (metadata/overrides.go); a Deployment honours customTimeouts and only logs a missed
progressDeadlineSeconds (deployment.go); a custom resource is done at once unless it carries
`pulumi.com/waitFor`, whose `jsonpath=` form takes kubectl's strict syntax and compares the
first value selected (jsonpath/jsonpath.go); a helm.v3.Release waits its own `timeout`
(default 300 s).
"""

from __future__ import annotations

import re
from typing import Any, Optional

import pytest
from registrations import named, of_type

from offline_preview.capture import Capture

ROUTE = "kubernetes:gateway.networking.k8s.io/v1:HTTPRoute"
HELM_DEFAULT_TIMEOUT = 300
_DURATION = re.compile(r"^(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$")


def seconds(duration: str) -> int:
    match = _DURATION.match(duration)
    assert match and duration, duration
    hours, minutes, secs = (int(g or 0) for g in match.groups())
    return hours * 3600 + minutes * 60 + secs


def parse_wait_for(expression: str) -> tuple[str, Optional[str]]:
    """(path, expected value) as the provider's jsonpath.Parse splits them: `jsonpath=` prefix,
    one `=` outside `==`, the path wrapped in braces."""
    assert expression.startswith("jsonpath="), expression
    raw = expression[len("jsonpath="):].replace("==", "\0")
    parts = raw.split("=")
    assert len(parts) <= 2, expression
    path = parts[0].replace("\0", "==")
    assert path.startswith("{") and path.endswith("}"), path
    return path[1:-1], (parts[1].replace("\0", "==") if len(parts) == 2 else None)


_SEGMENT = re.compile(r'\.(?P<name>[A-Za-z_][A-Za-z0-9_]*)|\[(?P<index>\d+)\]|\[\?\(@\.(?P<key>\w+)=="(?P<value>[^"]*)"\)\]')


def select_first(path: str, document: Any) -> Optional[Any]:
    """The first value a path of names, indexes and `[?(@.key=="value")]` filters selects."""
    nodes = [document]
    position = 0
    while position < len(path):
        match = _SEGMENT.match(path, position)
        assert match, f"unsupported JSONPath at {path[position:]!r}"
        position = match.end()
        found = []
        for node in nodes:
            if match["name"] and isinstance(node, dict) and match["name"] in node:
                found.append(node[match["name"]])
            elif match["index"] and isinstance(node, list) and int(match["index"]) < len(node):
                found.append(node[int(match["index"])])
            elif match["key"] and isinstance(node, list):
                found += [item for item in node if isinstance(item, dict) and item.get(match["key"]) == match["value"]]
        nodes = found
    return nodes[0] if nodes else None


def wait_satisfied(expression: str, obj: dict[str, Any]) -> bool:
    path, expected = parse_wait_for(expression)
    value = select_first(path, obj)
    return value is not None and (expected is None or str(value) == expected)


def route_status(*parents: list[dict[str, str]]) -> dict[str, Any]:
    return {"status": {"parents": [{"parentRef": {"name": "homelab-gateway"}, "controllerName": "io.cilium/gateway-controller",
                                    "conditions": conditions} for conditions in parents]}}


ACCEPTED = [{"type": "Accepted", "status": "True", "reason": "Accepted"},
            {"type": "ResolvedRefs", "status": "True", "reason": "ResolvedRefs"}]
NOT_ALLOWED = [{"type": "ResolvedRefs", "status": "True", "reason": "ResolvedRefs"},
               {"type": "Accepted", "status": "False", "reason": "NotAllowedByListeners"}]
NO_LISTENER = [{"type": "Accepted", "status": "False", "reason": "NoMatchingParent"}]


@pytest.fixture(params=["homelab", "listener"])
def routes(request, homelab: Capture, run_with) -> list:
    capture = homelab if request.param == "homelab" else run_with({"exposure.gateway.sectionName": "https"})
    found = of_type(capture, ROUTE)
    assert sorted(r.name for r in found) == ["comfyui-route", "ollama-route"]
    return found


def test_every_httproute_waits_until_the_gateway_accepts_it(routes):
    for route in routes:
        expression = route.inputs["metadata"]["annotations"]["pulumi.com/waitFor"]
        assert wait_satisfied(expression, route_status(ACCEPTED)), expression
        assert not wait_satisfied(expression, route_status(NOT_ALLOWED))
        assert not wait_satisfied(expression, route_status(NO_LISTENER))
        assert not wait_satisfied(expression, {"status": {"parents": []}})
        assert not wait_satisfied(expression, {})


def test_an_unattached_route_fails_the_update_within_minutes(routes):
    for route in routes:
        timeouts = route.request.customTimeouts
        assert 60 <= seconds(timeouts.create) <= 600 and timeouts.update == timeouts.create


def test_the_condition_form_would_never_see_a_routes_acceptance():
    # `condition=Accepted` reads .status.conditions, which an HTTPRoute leaves empty: parents carry them.
    assert select_first(".status.conditions", route_status(ACCEPTED)) is None


def test_comfyui_service_does_not_fail_while_its_pod_starts(homelab: Capture):
    service = named(homelab, "comfyui-service")
    assert service.inputs["metadata"]["annotations"]["pulumi.com/skipAwait"] == "true"


def test_comfyui_rollout_outlasts_its_start_up_window(homelab: Capture):
    deployment = named(homelab, "comfyui-deployment")
    spec = deployment.inputs["spec"]
    startup = spec["template"]["spec"]["containers"][0]["startupProbe"]
    window = startup["periodSeconds"] * startup["failureThreshold"]
    assert window >= 1800
    assert spec["progressDeadlineSeconds"] > window
    timeouts = deployment.request.customTimeouts
    assert seconds(timeouts.create) >= spec["progressDeadlineSeconds"]
    assert seconds(timeouts.update) >= spec["progressDeadlineSeconds"]


@pytest.mark.parametrize("plugin, release", [("device-plugin", "gpu-device-plugin"), ("gpu-operator", "gpu-gpu-operator")])
def test_gpu_plumbing_releases_allow_for_their_image_pulls(run_with, plugin, release):
    capture = run_with({"gpu.plugin": plugin, "gpu.namespace": ""})
    timeout = named(capture, release).inputs["timeout"]
    assert timeout >= 3 * HELM_DEFAULT_TIMEOUT
