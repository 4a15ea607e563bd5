"""Stands in for the Pulumi engine in front of the policy pack: starts the pack as its own process,
the way the CLI does, reconciles its configuration the way the CLI does, and speaks the Analyzer
gRPC protocol to it.

The CLI runs `pulumi-analyzer-policy-python <engine address> .` in the pack's directory, which
execs `python -u -m pulumi.policy <engine address> .`; the pack prints the port of its gRPC
server on stdout and serves until it is stopped. `pulumi.policy` parses the engine address but
never dials it, so any address does. The engine then calls GetAnalyzerInfo, Configure with every
policy's configuration reconciled from the schema defaults and `--policy-pack-config`, Analyze
per resource with its inputs as a protobuf Struct, and AnalyzeStack with every resource.
"""

from __future__ import annotations

import json
import select
import subprocess
import sys
import tempfile
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Optional, Union

import grpc
import jsonschema
import yaml
from google.protobuf import empty_pb2, json_format, struct_pb2
from pulumi.runtime.proto import analyzer_pb2, analyzer_pb2_grpc

POLICY_PACK_DIR = Path(__file__).resolve().parent.parent / "policies"
ENGINE_ADDRESS = "127.0.0.1:0"
STARTUP_SECONDS = 30
CALL_SECONDS = 30

Properties = Union[Mapping[str, Any], struct_pb2.Struct]

LEVELS: dict[str, int] = {
    "advisory": analyzer_pb2.ADVISORY,
    "mandatory": analyzer_pb2.MANDATORY,
    "remediate": analyzer_pb2.REMEDIATE,
    "disabled": analyzer_pb2.DISABLED,
}


@dataclass(frozen=True)
class Resource:
    """One resource as the engine hands it to an analyzer."""

    type: str
    name: str
    properties: Properties
    urn: str
    protect: bool = False
    parent: str = ""


@dataclass(frozen=True)
class Diagnostic:
    policy: str
    level: str
    message: str
    urn: str
    severity: str = ""
    """low, medium, high or critical as the CLI prints it; "" when the pack gave none."""

    @property
    def cannot_run_in_preview(self) -> bool:
        """The SDK's own advisory for a policy that read a value unknown during preview."""
        return self.message.startswith("can't run policy")


def struct(properties: Properties) -> struct_pb2.Struct:
    """A resource's properties as the engine marshals them: every number a double, unknowns as sentinels."""
    if isinstance(properties, struct_pb2.Struct):
        return properties
    message = struct_pb2.Struct()
    message.update(properties)
    return message


class PolicyEngine:
    """The policy pack in its own process, and a client that talks to it as the engine does."""

    def __init__(self, program: str = ".", cwd: Path = POLICY_PACK_DIR):
        """Runs `python -m pulumi.policy <address> <program>` in ``cwd``; the defaults are what the CLI runs."""
        self._stderr = tempfile.TemporaryFile()
        # -u as the CLI's launcher passes it: the pack writes its port without flushing stdout.
        self._process = subprocess.Popen(
            [sys.executable, "-u", "-m", "pulumi.policy", ENGINE_ADDRESS, program],
            cwd=cwd,
            stdout=subprocess.PIPE,
            stderr=self._stderr,
        )
        try:
            port = self._read_port()
            self._channel = grpc.insecure_channel(f"127.0.0.1:{port}")
            grpc.channel_ready_future(self._channel).result(timeout=STARTUP_SECONDS)
        except BaseException:
            self.close()
            raise
        self._stub = analyzer_pb2_grpc.AnalyzerStub(self._channel)
        self._info: Optional[analyzer_pb2.AnalyzerInfo] = None

    def _read_port(self) -> int:
        stdout = self._process.stdout
        assert stdout is not None
        ready, _, _ = select.select([stdout], [], [], STARTUP_SECONDS)
        line = stdout.readline().decode().strip() if ready else ""
        if not line.isdigit():
            self._process.kill()
            self._process.wait()
            self._stderr.seek(0)
            raise RuntimeError(
                f"the policy pack printed {line!r} instead of its port; stderr:\n{self._stderr.read().decode()}"
            )
        return int(line)

    def close(self) -> None:
        if getattr(self, "_channel", None) is not None:
            self._channel.close()
        if self._process.poll() is None:
            self._process.terminate()
            try:
                self._process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait()
        if self._process.stdout is not None:
            self._process.stdout.close()
        self._stderr.close()

    def __enter__(self) -> PolicyEngine:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    # --- the Analyzer protocol ---

    def info(self) -> analyzer_pb2.AnalyzerInfo:
        if self._info is None:
            self._info = self._stub.GetAnalyzerInfo(empty_pb2.Empty(), timeout=CALL_SECONDS)
        return self._info

    def configure(self, policy_pack_config: Mapping[str, Any]) -> None:
        """Configures the pack as the CLI does for ``--policy-pack-config`` with this JSON content.

        ``{}`` is the default configuration. Raises ``PolicyConfigError`` where the CLI stops
        before any policy runs.
        """
        policies = list(self.info().policies)
        reconciled = reconcile_policy_pack_config(policies, parse_policy_pack_config(policy_pack_config))
        request = analyzer_pb2.ConfigureAnalyzerRequest()
        for name, (level, properties) in reconciled.items():
            config = request.policyConfig[name]
            config.enforcementLevel = analyzer_pb2.EnforcementLevel.ValueType(level)
            config.properties.update(properties)
        self._stub.Configure(request, timeout=CALL_SECONDS)

    def analyze_resource(self, resource: Resource) -> list[Diagnostic]:
        request = analyzer_pb2.AnalyzeRequest(
            type=resource.type,
            name=resource.name,
            urn=resource.urn,
            properties=struct(resource.properties),
            options=analyzer_pb2.AnalyzerResourceOptions(protect=resource.protect, parent=resource.parent),
        )
        return _diagnostics(self._stub.Analyze(request, timeout=CALL_SECONDS))

    def analyze_stack(self, resources: Iterable[Resource]) -> list[Diagnostic]:
        request = analyzer_pb2.AnalyzeStackRequest(
            resources=[
                analyzer_pb2.AnalyzerResource(
                    type=resource.type,
                    name=resource.name,
                    urn=resource.urn,
                    properties=struct(resource.properties),
                    options=analyzer_pb2.AnalyzerResourceOptions(protect=resource.protect, parent=resource.parent),
                    parent=resource.parent,
                )
                for resource in resources
            ]
        )
        return _diagnostics(self._stub.AnalyzeStack(request, timeout=CALL_SECONDS))


def _diagnostics(response: analyzer_pb2.AnalyzeResponse) -> list[Diagnostic]:
    return [
        Diagnostic(
            policy=diagnostic.policyName,
            level=analyzer_pb2.EnforcementLevel.Name(diagnostic.enforcementLevel).lower(),
            message=diagnostic.message,
            urn=diagnostic.urn,
            severity=SEVERITIES.get(diagnostic.severity, ""),
        )
        for diagnostic in response.diagnostics
    ]


SEVERITIES: Mapping[int, str] = {
    analyzer_pb2.POLICY_SEVERITY_LOW: "low",
    analyzer_pb2.POLICY_SEVERITY_MEDIUM: "medium",
    analyzer_pb2.POLICY_SEVERITY_HIGH: "high",
    analyzer_pb2.POLICY_SEVERITY_CRITICAL: "critical",
}


def pack_version(pack_dir: Path = POLICY_PACK_DIR) -> str:
    """The pack's version as the CLI reports it: PulumiPolicy.yaml's `version` wins over the SDK's
    (pkg/resource/plugin/analyzer_plugin.go), and the Python SDK itself always says 0.0.1."""
    project = yaml.safe_load((pack_dir / "PulumiPolicy.yaml").read_text()) or {}
    return str(project.get("version") or "0.0.1")


# --- `--policy-pack-config`, as pkg/resource/analyzer/config.go reads and reconciles it ---


class PolicyConfigError(Exception):
    """A `--policy-pack-config` the CLI refuses before it runs any policy."""


PolicyConfig = tuple[Optional[int], dict[str, Any]]
"""One policy's entry: an enforcement level (None when the entry sets none) and properties."""


def read_policy_pack_config(path: Path) -> dict[str, Any]:
    """A `--policy-pack-config` file's document; empty content is no configuration, as in the CLI."""
    text = path.read_text()
    if not text.strip():
        return {}
    try:
        document = json.loads(text)
    except json.JSONDecodeError as error:
        raise PolicyConfigError(f"{path}: {error}") from error
    if not isinstance(document, dict):
        raise PolicyConfigError(f"{path}: a policy pack config is a JSON object")
    return document


def _level(value: Any, what: str) -> int:
    if not isinstance(value, str):
        raise PolicyConfigError(f"parsing enforcement level for {what}: {value!r} is not a valid enforcement level; must be a string")
    if value not in LEVELS:
        raise PolicyConfigError(f"parsing enforcement level for {what}: {value!r} is not a valid enforcement level")
    return LEVELS[value]


def parse_policy_pack_config(document: Mapping[str, Any]) -> dict[str, PolicyConfig]:
    """Each entry a level (`"advisory"`) or an object with an optional `enforcementLevel` and properties.

    `environments` names Pulumi ESC environments, which only a Pulumi Cloud backend resolves.
    """
    parsed: dict[str, PolicyConfig] = {}
    for name, value in document.items():
        if name == "environments":
            raise PolicyConfigError("`environments` (ESC) needs a Pulumi Cloud backend to resolve; it is not read here")
        if isinstance(value, str):
            parsed[name] = (_level(value, repr(name)), {})
        elif isinstance(value, Mapping):
            properties = dict(value)
            level = _level(properties.pop("enforcementLevel"), repr(name)) if "enforcementLevel" in properties else None
            if level is not None or properties:
                parsed[name] = (level, properties)
        else:
            raise PolicyConfigError(f"parsing {name!r}: {value!r} is not a valid value; must be a string or object")
    return parsed


def reconcile_policy_pack_config(
    policies: Sequence[analyzer_pb2.PolicyInfo], config: Mapping[str, PolicyConfig]
) -> dict[str, tuple[int, dict[str, Any]]]:
    """Every policy's level and properties: its schema defaults and own level, then `all`'s level, then
    each entry's (ReconcilePolicyPackConfig). Each policy's properties must then fit its schema.

    Like the CLI, an entry naming no policy of the pack is passed on (the pack ignores it).
    """
    result: dict[str, tuple[int, dict[str, Any]]] = {}
    schemas: dict[str, dict[str, Any]] = {}
    for policy in policies:
        schema = json_format.MessageToDict(policy.configSchema, preserving_proto_field_name=True)
        properties = schema.get("properties", {})
        schemas[policy.name] = {"type": "object", "properties": properties, "required": schema.get("required", [])}
        result[policy.name] = (
            policy.enforcementLevel,
            {key: value["default"] for key, value in properties.items() if "default" in value},
        )
    all_level = config.get("all", (None, {}))[0]
    if all_level is not None:
        result = {name: (all_level, properties) for name, (_, properties) in result.items()}
    for name, (level, properties) in config.items():
        # Not refused: config.go applyConfig keeps every entry, validatePolicyPackConfig reads declared policies only.
        current_level, current = result.get(name, (analyzer_pb2.ADVISORY, {}))
        result[name] = (current_level if level is None else level, {**current, **properties})
    errors = [
        f"{name}: {error.message}"
        for name, schema in schemas.items()
        for error in jsonschema.Draft7Validator(schema).iter_errors(result[name][1])
    ]
    if errors:
        raise PolicyConfigError("validating policy config:\n" + "\n".join(sorted(errors)))
    return result
