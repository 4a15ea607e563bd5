"""Rules between keys, over the typed configuration: each key is valid alone, but not with the others."""

from __future__ import annotations

from stack_config.comfyui_settings import COMFYUI_FLAGS, comfyui_flag_value, flag_bytes, mebibytes
from stack_config.longhorn_settings import RECURRING_JOB_NAME_MAX, recurring_job_name
from stack_config.model import AppConfig, ExposureConfig, GpuConfig, StackConfig
from stack_config.ollama_settings import ollama_env_conflict
from stack_config.platforms import (
    COMFYUI_TAG_FOR_DRIVER,
    CUDA_MIN_DRIVER,
    GPU_OPERATOR_FAILS_ON_TALOS,
    PLATFORM_DEFAULTS,
    TALOS_RUNTIME_HANDLER,
    cuda_major,
    version_key,
)
from stack_config.problems import Problem
from stack_config.quantities import quantity_value
from stack_config.vocabulary import CONTROLLER_IMPLEMENTATIONS, GPU_PLUGINS
from stack_config.vram_plan import COMFYUI_FLAGS_AGAINST_PLAN, LOADERS, OLLAMA_PLAN_ENV, RESIDENT_KEEP_ALIVE


def consistency_problems(config: StackConfig) -> list[Problem]:
    problems = platform_problems(config)
    exposure = config.exposure
    apps = tuple(config.installed_apps.items())

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
    implementation, pod_labels = exposure.controller_implementation, exposure.controller_pod_labels
    if kind != "none" and implementation is None:
        problems.append(Problem("exposure.controller.implementation", None,
                                f"one of {', '.join(repr(c) for c in CONTROLLER_IMPLEMENTATIONS)}: required when exposure.kind "
                                f"is {kind!r}, so the NetworkPolicies let in what really carries the traffic", missing=True))
    if implementation == "other" and not pod_labels:
        problems.append(Problem("exposure.controller.podLabels", {},
                                "the proxy pods' labels: required when exposure.controller.implementation is 'other'", missing=True))
    if implementation == "cilium" and pod_labels:
        problems.append(Problem("exposure.controller.podLabels", dict(pod_labels),
                                "no value with 'cilium': its proxy is the node's Envoy, reached as the `ingress` identity"))
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

    problems += _app_settings_problems(config)
    problems += _loader_flag_problems(config)
    problems += _backup_problems(config)
    problems += _vram_plan_problems(config)
    problems += _open_webui_problems(config)
    if gpu.metrics.service_monitor and not gpu.metrics.enabled:
        problems.append(Problem("gpu.metrics.serviceMonitor", True, "false while gpu.metrics.enabled is false (it monitors the exporter)"))
    if gpu.metrics.enabled and gpu.plugin == "none":
        problems.append(Problem("gpu.metrics.enabled", True,
                                "false while gpu.plugin is 'none' (the GPU plumbing, and its exporter, are managed elsewhere)"))

    for index, (name, app) in enumerate(apps):
        taken = next((other for other, earlier in apps[:index] if earlier.namespace == app.namespace), None)
        if taken is not None:
            problems.append(Problem(f"{name}.namespace", app.namespace,
                                    f"a namespace other than {taken}.namespace (each app owns its namespace)"))
    return problems


def _access_problems(name: str, app: AppConfig, exposure: ExposureConfig) -> list[Problem]:
    """An app that authenticates no one, or lets anyone sign up, is exposed only protected or deliberately public."""
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
    elif not (access.protected or access.public or app.own_login_guards):
        problems.append(Problem(
            f"{name}.access", {}, f"access.allowedSources, access.forwardAuthUrl, or access.public: true: {name} "
            f"{app.unguarded_because} and "
            f"exposure.kind {kind!r} puts it on {app.hostname}", missing=True))
    if kind == "gateway" and access.protected and not exposure.gateway_enforces_access:
        problems.append(Problem(
            "exposure.gateway.enforcesAccess", False,
            f"true, once the Gateway itself applies {name}'s access rules: an HTTPRoute has no source or auth filter, "
            "and the program will not pretend it does (see docs/security.md)"))
    if kind == "ingress":
        for key, value, annotation, set_annotation in (
            ("allowedSources", access.allowed_sources, "allowlistAnnotation", exposure.ingress_allowlist_annotation),
            ("forwardAuthUrl", access.forward_auth_url, "forwardAuthAnnotation", exposure.ingress_forward_auth_annotation),
        ):
            if value and set_annotation is None:
                problems.append(Problem(f"exposure.ingress.{annotation}", "",
                                        f"the ingress class's annotation that enforces {name}.access.{key}"))
        # ingress-nginx checks whitelist-source-range against the address it sees; behind a Service
        # with externalTrafficPolicy: Cluster (its chart's default) or a NodePort that is a node's
        # (docs/deploy/baremetal.md, "Source IP address"), which a LAN allowlist contains.
        if access.allowed_sources and not access.forward_auth_url and not exposure.ingress_preserves_client_address:
            problems.append(Problem(
                "exposure.ingress.preservesClientAddress", False,
                f"true, once the ingress controller sees clients' own addresses (externalTrafficPolicy: Local, PROXY protocol "
                f"or a trusted real-IP header): behind source NAT every request comes from a node's address and "
                f"{name}.access.allowedSources admits it; or protect {name} with access.forwardAuthUrl (docs/security.md)"))
    return problems


def platform_problems(config: StackConfig) -> list[Problem]:
    """Refuses the combinations the Talos NVIDIA guides say fail."""
    gpu: GpuConfig = config.gpu
    name, plugin, driver = gpu.platform, gpu.plugin, gpu.driver
    platform = PLATFORM_DEFAULTS[name]
    problems: list[Problem] = []
    if driver not in platform.drivers:
        problems.append(Problem("gpu.driver", driver, f"one of {', '.join(repr(d) for d in platform.drivers)}: "
                                f"the driver lines Talos ships for gpu.platform {name!r}"))
    if plugin in platform.refused_plugins:
        accepted = " or ".join(repr(p) for p in GPU_PLUGINS if p not in platform.refused_plugins)
        problems.append(Problem("gpu.plugin", plugin, f"{accepted} on {name}: {platform.refused_plugins[plugin]}"))
    minimum = platform.min_gpu_operator_version
    version = gpu.gpu_operator_chart.version
    broken, fixed = GPU_OPERATOR_FAILS_ON_TALOS
    if plugin == "gpu-operator" and version_key(version)[:3] == version_key(broken)[:3]:
        problems.append(Problem("gpu.gpuOperator.version", version,
                                f"a release other than {broken}: it stops on every Talos node, whose os-release VERSION_ID "
                                f"(`v1.x`) it parses as an integer (controllers/state_manager.go getGPUNodeOSTag, fixed in {fixed})"))
    elif plugin == "gpu-operator" and minimum and version_key(version) < version_key(minimum):
        problems.append(Problem("gpu.gpuOperator.version", version,
                                f"{minimum} or newer on {name}: the release its NVIDIA guide names for CDI "
                                f"(docs/platforms.md)"))
    if plugin == "gpu-operator" and gpu.runtime_class not in (None, TALOS_RUNTIME_HANDLER):
        # transformRuntimeClass (controllers/object_controls.go at v26.3.1) sets both the class's
        # name and its handler from operator.runtimeClass.
        problems.append(Problem("gpu.runtimeClass", gpu.runtime_class,
                                f"{TALOS_RUNTIME_HANDLER!r} or empty with gpu.plugin 'gpu-operator': the operator makes the class's "
                                f"containerd handler the class's own name, and the Talos toolkit extension registers only the "
                                f"handler {TALOS_RUNTIME_HANDLER!r}, so any other name leaves every GPU pod without a runtime"))
    tag = config.comfyui.image.tag
    major = cuda_major(tag)
    needed = CUDA_MIN_DRIVER.get(major) if major is not None else None
    if needed and int(driver) < int(needed):
        problems.append(Problem("comfyui.image.tag", tag,
                                f"an image for CUDA {max(m for m, d in CUDA_MIN_DRIVER.items() if int(d) <= int(driver))} "
                                f"such as {COMFYUI_TAG_FOR_DRIVER[driver]!r} while gpu.driver is {driver!r}: "
                                f"CUDA {major} images need driver {needed} or newer"))
    return problems


def _app_settings_problems(config: StackConfig) -> list[Problem]:
    problems: list[Problem] = []
    conflict = ollama_env_conflict(config.ollama.env)
    if conflict:
        problems.append(Problem("ollama.env", dict(config.ollama.env), conflict))
    # The route's size is the flag's unless both are set; then they must agree.
    route = config.comfyui.route
    flag = comfyui_flag_value(config.comfyui.extra_args, "--max-upload-size")
    if flag is not None and flag_bytes(flag) != route.max_upload_bytes:
        problems.append(Problem(
            "comfyui.route.maxUploadSize", route.max_upload_size,
            f"the size comfyui.extraArgs gives ComfyUI, --max-upload-size {flag} (MB of 1024 x 1024 bytes), "
            f"i.e. {mebibytes(flag_bytes(flag))}Mi; or drop the flag and let the program set it from this value"))
    return problems


def _open_webui_problems(config: StackConfig) -> list[Problem]:
    webui = config.openwebui
    if not webui.installed:
        return []
    problems = [Problem(f"openwebui.{key}", None, f"{what}: required while openwebui.installed is true", missing=True)
                for key, value, what in (
                    ("adminEmail", webui.admin_email, "the admin's email address, so the account exists before anyone can sign up"),
                    ("adminPassword", webui.admin_password, "the admin's password, as a secret"),
                    ("secretKey", webui.secret_key, "a session signing key, as a secret: without one every restart signs everyone out"),
                ) if value is None]
    if not config.ollama.installed:
        problems.append(Problem("ollama.installed", False, "true while openwebui.installed is true: Open WebUI chats through "
                                                           "the stack's Ollama"))
    if webui.images.enabled and not config.comfyui.installed:
        problems.append(Problem("openwebui.images.enabled", True, "false while comfyui.installed is false: Open WebUI makes "
                                                                  "images through the stack's ComfyUI"))
    if webui.trusted_email_header is not None:
        if webui.access.forward_auth_url is None:
            problems.append(Problem("openwebui.trustedEmailHeader", webui.trusted_email_header,
                                    "no value without openwebui.access.forwardAuthUrl: Open WebUI signs in whoever the header "
                                    "names, so only a forward-auth proxy may set it"))
        if webui.access.client_namespaces:
            problems.append(Problem("openwebui.access.clientNamespaces", list(webui.access.client_namespaces),
                                    "no namespaces while openwebui.trustedEmailHeader is set: a pod let in past the proxy can "
                                    "send the header itself and sign in as anyone"))
    return problems



def _loader_flag_problems(config: StackConfig) -> list[Problem]:
    """A ComfyUI flag its loader generation has no use for: one it does not parse stops ComfyUI at start,
    and --lowvram does nothing under Dynamic VRAM (cli_args.py at 0.38.1: "Doesn't do anything if dynamic
    vram is enabled"), unless --disable-dynamic-vram turns the older loader back on."""
    comfyui = config.comfyui
    if not comfyui.installed:
        return []
    loader, args = comfyui.vram.loader, comfyui.extra_args
    tag = comfyui.image.tag
    problems = []
    particular = [token for token in args if token in COMFYUI_FLAGS and COMFYUI_FLAGS[token].loaders != LOADERS]
    if loader is None and particular:
        problems.append(Problem("comfyui.vram.loader", None,
                                f"estimate or dynamic: comfyui.extraArgs gives {', '.join(particular)}, which only some ComfyUI "
                                f"releases parse, and the image tag {tag!r} does not say which ComfyUI the volume holds",
                                missing=True))
    for name in particular:
        if loader is not None and loader not in COMFYUI_FLAGS[name].loaders:
            problems.append(Problem("comfyui.extraArgs", list(args),
                                    f"flags without {name}: the {loader} loader's ComfyUI (comfyui.vram.loader) has no such "
                                    "flag and would not start; it belongs to Dynamic VRAM (ComfyUI 0.16 on)"))
    if loader == "dynamic" and "--lowvram" in args and "--disable-dynamic-vram" not in args:
        problems.append(Problem("comfyui.extraArgs", list(args),
                                "flags without --lowvram: it does nothing under Dynamic VRAM (comfyui.vram.loader 'dynamic'), "
                                "which already streams weights as memory runs short; add --disable-dynamic-vram if the "
                                "older loader is what you want"))
    return problems


def _vram_plan_problems(config: StackConfig) -> list[Problem]:
    """A plan needs the card's memory and a budget from every GPU app on the shared card; inside it, no
    setting of the apps' own may contradict the knobs the plan sets. Whether the budgets fit the card
    is the pack's VRAM policy's to say, at preview (docs/gpu-sharing.md)."""
    gpu_apps = {name: app for name, app in config.installed_apps.items() if app.gpus > 0}
    budgeted = [name for name, app in gpu_apps.items() if app.vram_budget is not None]
    problems = [Problem(f"{name}.vram.budget", app.vram_budget,
                        f"no value while {name}.gpus is 0: the app then holds no GPU memory")
                for name, app in config.installed_apps.items() if app.gpus == 0 and app.vram_budget is not None]
    if not budgeted:
        return problems
    memory = config.gpu.memory
    if memory is None:
        problems.append(Problem("gpu.memory", None, f"the memory of each GPU, such as 16Gi: required once "
                                                    f"{budgeted[0]}.vram.budget sets a VRAM plan", missing=True))
    if config.gpu.sharing_strategy == "time-slicing":
        problems += [Problem(f"{name}.vram.budget", None,
                             f"a budget: {budgeted[0]}.vram.budget plans the shared card, and {name} shares it "
                             "(gpu.sharing.strategy time-slicing); a plan that leaves a GPU app out cannot keep the "
                             "others' shares free", missing=True)
                     for name in gpu_apps if name not in budgeted]
    for name in budgeted:
        budget = gpu_apps[name].vram_budget
        if memory is not None and budget is not None and quantity_value(budget) > quantity_value(memory):
            problems.append(Problem(f"{name}.vram.budget", budget, f"at most gpu.memory ({memory})"))

    ollama = config.ollama
    if "ollama" in budgeted:
        problems += [Problem(f"ollama.env.{name}", ollama.env[name],
                             f"no value while ollama.vram.budget is set: the plan sets {name} from {source}")
                     for name, source in OLLAMA_PLAN_ENV.items() if name in ollama.env]
        if ollama.keep_alive != RESIDENT_KEEP_ALIVE:
            problems.append(Problem("ollama.keepAlive", ollama.keep_alive,
                                    f"empty (or {RESIDENT_KEEP_ALIVE}) while ollama.vram.budget is set: the plan keeps Ollama's "
                                    "models loaded, since an idle unload lets ComfyUI spread into Ollama's budget and "
                                    "Ollama's next load then runs partly on the CPU"))
    comfyui = config.comfyui
    if "comfyui" in budgeted:
        loader = comfyui.vram.loader
        # Without a loader, a loader-specific flag has already asked for it (_loader_flag_problems).
        asked = any(COMFYUI_FLAGS[token].loaders != LOADERS for token in comfyui.extra_args if token in COMFYUI_FLAGS)
        if loader is None and not asked:
            problems.append(Problem("comfyui.vram.loader", None,
                                    f"estimate or dynamic: comfyui.vram.budget is set, and the image tag {comfyui.image.tag!r} "
                                    "does not say which ComfyUI loader the volume holds", missing=True))
        elif loader is not None:
            problems += [Problem("comfyui.extraArgs", list(comfyui.extra_args),
                                 f"flags without {name} while comfyui.vram.budget is set: {reason}")
                         for name, reason in COMFYUI_FLAGS_AGAINST_PLAN[loader].items() if name in comfyui.extra_args]
    return problems


def _backup_problems(config: StackConfig) -> list[Problem]:
    """A backup needs somewhere to go, and Longhorn refuses a job name over 40 characters."""
    problems = []
    for name, app in config.installed_apps.items():
        backup = app.data_backup
        if backup is None or not backup.enabled:
            continue
        if backup.task == "backup" and config.backups.target is None:
            problems.append(Problem("backups.target", None, (
                f"the URL of Longhorn's backup target, such as nfs://nas.lan:/export/longhorn: required while "
                f"{name}.backup.schedule is set and {name}.backup.task is 'backup'. Set the target in Longhorn first "
                f"(Settings > Backup Target, or its BackupTarget `default`), or use {name}.backup.task: snapshot, "
                "which keeps snapshots on the volume only"), missing=True))
        job = recurring_job_name(app.namespace, backup.task)
        if len(job) > RECURRING_JOB_NAME_MAX:
            problems.append(Problem(f"{name}.namespace", app.namespace,
                                    f"a namespace of at most {RECURRING_JOB_NAME_MAX - len(job) + len(app.namespace)} "
                                    f"characters while {name}.backup.schedule is set: Longhorn names its job {job!r}, and "
                                    f"refuses names over {RECURRING_JOB_NAME_MAX} (datastore/longhorn.go NameMaximumLength)"))
    return problems
