"""Rules between keys, over the typed configuration: each key is valid alone, but not with the others."""

from __future__ import annotations

from stack_config.model import AppConfig, ExposureConfig, StackConfig
from stack_config.problems import Problem
from stack_config.values import quantity_value


def consistency_problems(config: StackConfig) -> list[Problem]:
    problems: list[Problem] = []
    exposure = config.exposure
    apps: tuple[tuple[str, AppConfig], ...] = (("ollama", config.ollama), ("comfyui", config.comfyui))

    kind = exposure.kind
    needed: list[tuple[str, object]] = []
    if kind == "gateway":
        needed += [("exposure.gateway.name", exposure.gateway_name), ("exposure.gateway.namespace", exposure.gateway_namespace)]
    if kind == "ingress":
        needed += [("exposure.ingress.className", exposure.ingress_class)]
    if kind != "none":
        needed += [(f"{name}.hostname", app.hostname) for name, app in apps]
    for key, value in needed:
        if value is None:
            problems.append(Problem(key, None, f"a value: required when exposure.kind is {kind!r}", missing=True))
    if kind == "ingress" and exposure.controller_namespace is None:
        problems.append(Problem("exposure.controllerNamespace", None,
                                "the ingress controller's namespace: required when exposure.kind is 'ingress'", missing=True))

    for name, app in apps:
        for resource, request, limit in (("cpu", app.resources.cpu_request, app.resources.cpu_limit),
                                         ("memory", app.resources.memory_request, app.resources.memory_limit)):
            if quantity_value(request) > quantity_value(limit):
                problems.append(Problem(
                    f"{name}.resources.requests.{resource}", request,
                    f"at most the limit {name}.resources.limits.{resource} = {limit!r} (Kubernetes rejects a request above its limit)",
                ))

    gpu = config.gpu
    if gpu.sharing_strategy == "time-slicing" and gpu.sharing_replicas is None:
        problems.append(Problem("gpu.sharing.replicas", None,
                                "a whole number from 2 to 16: required when gpu.sharing.strategy is 'time-slicing'", missing=True))
    if gpu.sharing_strategy == "exclusive" and gpu.sharing_replicas is not None:
        problems.append(Problem("gpu.sharing.replicas", gpu.sharing_replicas,
                                "no value while gpu.sharing.strategy is 'exclusive' (set the strategy to 'time-slicing' to share a GPU)"))

    for name, app in apps:
        problems += _access_problems(name, app, exposure)
        # Two Namespace resources of one name, one of them privileged for the GPU plumbing.
        if gpu.namespace is not None and app.namespace == gpu.namespace:
            problems.append(Problem(f"{name}.namespace", app.namespace,
                                    f"a namespace other than the GPU plumbing's ({gpu.namespace!r}, gpu.namespace or its "
                                    f"default for gpu.plugin {gpu.plugin!r}), which runs privileged"))

    if config.ollama.namespace == config.comfyui.namespace:
        problems.append(Problem("comfyui.namespace", config.comfyui.namespace,
                                "a namespace other than ollama.namespace (each app owns its namespace)"))
    return problems


def _access_problems(name: str, app: AppConfig, exposure: ExposureConfig) -> list[Problem]:
    """Neither app authenticates anyone: exposing one must be protected or deliberately public."""
    access, kind = app.access, exposure.kind
    problems: list[Problem] = []
    if access.public and access.protected:
        problems.append(Problem(f"{name}.access.public", True,
                                "false while access.allowedSources or access.forwardAuthUrl protect the app"))
    if kind == "none":
        return problems
    if access.allows_every_address and not access.public and not access.forward_auth_url:
        problems.append(Problem(
            f"{name}.access.allowedSources", list(access.allowed_sources),
            f"ranges that leave some of the internet out: these admit every address, which exposes {name} "
            f"on {app.hostname} to anyone; list your own networks, or set {name}.access.public: true to mean it"))
    elif not (access.protected or access.public):
        problems.append(Problem(
            f"{name}.access", {}, f"access.allowedSources, access.forwardAuthUrl, or access.public: true: {name} has no "
            f"authentication of its own and exposure.kind {kind!r} puts it on {app.hostname}", missing=True))
    if kind == "gateway" and access.protected and not exposure.gateway_enforces_access:
        problems.append(Problem(
            "exposure.gateway.enforcesAccess", False,
            f"true, once the Gateway itself applies {name}'s access rules: an HTTPRoute has no source or auth filter, "
            "and the program will not pretend it does (see README, Security)"))
    if kind == "ingress":
        for key, value, annotation, set_annotation in (
            ("allowedSources", access.allowed_sources, "allowlistAnnotation", exposure.ingress_allowlist_annotation),
            ("forwardAuthUrl", access.forward_auth_url, "forwardAuthAnnotation", exposure.ingress_forward_auth_annotation),
        ):
            if value and set_annotation is None:
                problems.append(Problem(f"exposure.ingress.{annotation}", "",
                                        f"the ingress class's annotation that enforces {name}.access.{key}"))
    return problems
