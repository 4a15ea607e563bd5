"""The shape every app of the stack shares: its protected namespace and data claim, its Service
routed and fenced, its URLs as outputs.

An app's component subclasses ``App``: it declares its workload between ``super().__init__`` and
``self.expose(...)``, then calls ``self.finish()``. ``registry.py`` lists the apps.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Generic, Mapping, Optional, Sequence, TypeVar

import pulumi

from components.backups import claim_labels, recurring_job
from components.exposure import expose_app
from components.gpu_node_stack import GpuNodeStack
from components.namespaces import app_namespace
from components.network_policies import AppEndpoint, Peer
from components.storage import protected_claim
from gpu_policies.names import VRAM_BUDGET_ANNOTATION
from stack_config import AppConfig, BackupsConfig, ExposureConfig, quantity_bytes

C = TypeVar("C", bound=AppConfig)


def vram_annotations(config: AppConfig) -> dict[str, str]:
    """What the pack's VRAM policies read from an app's pod template: its budget in bytes; nothing without one."""
    if config.vram_budget is None:
        return {}
    return {VRAM_BUDGET_ANNOTATION: str(quantity_bytes(config.vram_budget))}


@dataclass
class AppArgs(Generic[C]):
    config: C
    """The app's config section: namespace, image, resources, storage, hostname, port, replicas, access."""
    exposure: ExposureConfig
    """How the app is reached from outside the cluster."""
    gpu: GpuNodeStack
    """Runtime class, node selector, tolerations and GPU resource name come from here, and the app waits for it."""
    backups: BackupsConfig
    """Where Longhorn keeps its jobs; the app's own `backup` keys say whether its volume is backed up."""
    reaches: Sequence[AppEndpoint] = ()
    """Other apps that let this app's namespace in: its egress fence lets it out to them."""
    internal_urls: Mapping[str, pulumi.Output[str]] = field(default_factory=dict)
    """In-cluster URLs of the apps deployed before this one, by section: what an app that calls another reads."""


class App(pulumi.ComponentResource, Generic[C]):
    """An app's namespace and protected data claim, and after its workload, its route, fence and URLs."""

    namespace: pulumi.Output[str]
    """Namespace the app and its data live in."""
    claim_name: pulumi.Output[str]
    """Name of the data PVC the program owns."""
    internal_url: pulumi.Output[str]
    """In-cluster URL of the app's Service."""
    external_url: Optional[str]
    """URL at the external hostname, or None when the app is not exposed."""

    def __init__(self, type_name: str, name: str, args: AppArgs[C], *, claim: str, claim_suffix: str,
                 opts: Optional[pulumi.ResourceOptions] = None):
        super().__init__(type_name, name, None, opts)
        self._name, self._args = name, args
        self.child = pulumi.ResourceOptions(parent=self)
        namespace = app_namespace(f"{name}-namespace", namespace=args.config.namespace, opts=self.child)
        self.namespace = namespace.metadata.name
        backup = args.config.data_backup if args.config.data_backup and args.config.data_backup.enabled else None
        data = protected_claim(f"{name}-{claim_suffix}", claim_name=claim, namespace=self.namespace,
                               storage=args.config.storage, opts=self.child,
                               labels=claim_labels(args.config.namespace, backup) if backup else None)
        self.claim_name = data.metadata.name
        if backup:
            recurring_job(f"{name}-{claim_suffix}-{backup.task}", namespace=args.config.namespace, backup=backup,
                          longhorn_namespace=args.backups.longhorn_namespace, opts=self.child)

    def expose(self, service_name: pulumi.Output[str], pod_labels: dict[str, str], own_clients: Sequence[Peer] = ()) -> None:
        """Routes the hostname to ``service_name`` and fences the namespace around ``pod_labels``."""
        self.internal_url, self.external_url = expose_app(
            self._name, app=self._args.config, exposure=self._args.exposure, namespace=self.namespace,
            service_name=service_name, pod_labels=pod_labels, own_clients=own_clients, reaches=self._args.reaches,
            opts=self.child,
        )

    def finish(self) -> None:
        self.register_outputs({
            "namespace": self.namespace,
            "claimName": self.claim_name,
            "internalUrl": self.internal_url,
            "externalUrl": self.external_url,
        })
