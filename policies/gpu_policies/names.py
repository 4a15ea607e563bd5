"""The pack's policy names, its config option keys, and which policy takes which option: spelled
here once.

The pack builds each policy's config schema from POLICY_OPTIONS; `policy_pack_config.py` writes a
stack's configuration from the same table, and the tests read it. It imports nothing, so neither
needs the policy SDK to use it.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

PACK = "homelab-ai-gpu"

RUNTIME_CLASS = "gpu-pods-require-nvidia-runtime-class"
RECREATE_STRATEGY = "gpu-deployments-use-recreate-strategy"
GPU_NODE_PINNING = "gpu-pods-pinned-to-gpu-nodes"
GPU_MEMORY_LIMIT = "gpu-containers-set-memory-limit"
IMMUTABLE_IMAGES = "images-avoid-mutable-tags"
PROTECTED_CLAIMS = "gpu-app-pvcs-protected"
GPU_CAPACITY = "gpu-demand-fits-capacity"
GUARDED_ROUTES = "gpu-apps-exposed-with-access-control"
DEFAULT_DENY = "gpu-app-namespaces-deny-ingress-by-default"
VRAM_PLAN = "gpu-vram-budgets-fit-cards"
VRAM_FOOTPRINT = "gpu-vram-footprint-fits-budget"
BACKED_UP_DATA = "gpu-app-user-data-backed-up"

GPU_RESOURCE_NAMES = "gpuResourceNames"
GPU_RESOURCE_PREFIXES = "gpuResourcePrefixes"
ALLOWED_RUNTIME_CLASSES = "allowedRuntimeClasses"
GPU_NODE_LABELS = "gpuNodeLabels"
MUTABLE_TAGS = "mutableTags"
ACCESS_ANNOTATIONS = "accessAnnotations"
ACKNOWLEDGED_ACCESS = "acknowledgedAccess"
GPUS = "gpus"
REPLICAS_PER_GPU = "replicasPerGpu"
CDI_INJECTION = "cdiInjection"
GPU_MEMORY = "gpuMemory"
VRAM_SLACK = "vramSlack"

# Every policy that asks whether a pod holds a GPU reads which resources count as one.
GPU = (GPU_RESOURCE_NAMES, GPU_RESOURCE_PREFIXES)

POLICY_OPTIONS: Mapping[str, tuple[str, ...]] = MappingProxyType({
    RUNTIME_CLASS: (ALLOWED_RUNTIME_CLASSES, CDI_INJECTION, *GPU),
    RECREATE_STRATEGY: GPU,
    GPU_NODE_PINNING: (GPU_NODE_LABELS, *GPU),
    GPU_MEMORY_LIMIT: GPU,
    IMMUTABLE_IMAGES: (MUTABLE_TAGS,),
    PROTECTED_CLAIMS: GPU,
    GPU_CAPACITY: (GPUS, REPLICAS_PER_GPU, *GPU),
    GUARDED_ROUTES: (ACCESS_ANNOTATIONS, ACKNOWLEDGED_ACCESS, *GPU),
    DEFAULT_DENY: GPU,
    VRAM_PLAN: (GPU_MEMORY, VRAM_SLACK, GPUS, REPLICAS_PER_GPU, *GPU),
    VRAM_FOOTPRINT: (GPU_MEMORY, *GPU),
    BACKED_UP_DATA: GPU,
})
"""Each policy, in the pack's order, with the option keys its config schema declares."""

# Says on a route itself who answers for access to an app with no authentication of its own, where
# nothing else on the object shows it: the homelab-ai program writes it, the access policy reads it.
ACCESS_ANNOTATION = "homelab-ai/access"
# Its value for an app whose own login keeps strangers out: the access policy then reads that
# login's settings from the app's release before it believes it.
APP_LOGIN_ACCESS = "app-login"

# On a GPU pod's template: the share of its card's memory the pod may hold, in bytes. The homelab-ai
# program writes it from `<app>.vram.budget`; the VRAM policies add the budgets up.
VRAM_BUDGET_ANNOTATION = "homelab-ai/vram-budget"
# Beside it on Ollama's pods: the f16 K/V cache per token of the largest model it loads, in bytes
# (`ollama.vram.cachePerToken`), which the footprint advisory multiplies by Ollama's own settings.
VRAM_CACHE_ANNOTATION = "homelab-ai/vram-cache-per-token"
