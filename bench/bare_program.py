"""The floor for program evaluation: the SDK modules the stack program uses, imported, and one
Kubernetes resource registered. What the homelab program costs beyond this is its own doing."""

import pulumi
import pulumi_kubernetes as k8s

# A class from each API group the program's components use: pulumi_kubernetes loads a group on
# first attribute access, and loading them is the SDK's cost, not the program's.
SDK_CLASSES = (
    k8s.apiextensions.CustomResource, k8s.apps.v1.Deployment, k8s.batch.v1.Job, k8s.core.v1.Namespace, k8s.helm.v3.Release,
    k8s.meta.v1.ObjectMetaArgs, k8s.networking.v1.NetworkPolicy, k8s.node.v1.RuntimeClass,
)

namespace = k8s.core.v1.Namespace("bare", metadata=k8s.meta.v1.ObjectMetaArgs(name="bare"))
pulumi.export("namespace", namespace.metadata.name)
