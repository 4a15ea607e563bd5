"""Runs the real program (`__main__.py`) under Pulumi's mocks and records what the engine would receive.

The program runs exactly as the Python language host runs it (`runpy` inside `run_in_stack`),
with the stack's whole config handed over as the language host does: one JSON map of key to
string in PULUMI_CONFIG (constructConfig, sdk/python/cmd/pulumi-language-python/main.go in
pulumi/pulumi), an object value as JSON text and a scalar as its text (`true`, `5`), and the
secret keys' names in PULUMI_CONFIG_SECRET_KEYS. A MockMonitor subclass keeps each RegisterResourceRequest
whole, so options the plain mocks drop (parent, protect, retainOnDelete, dependencies) are
asserted too.
"""

from __future__ import annotations

import asyncio
import json
import os
import runpy
import threading
from contextlib import suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Optional, Sequence

import pulumi
from google.protobuf import json_format
from pulumi.runtime import mocks, rpc, settings
from pulumi.runtime.proto import resource_pb2
from pulumi.runtime.stack import run_in_stack

from stack_config import PROJECT
from stack_config.stack_files import PROJECT_DIR


@dataclass
class Registration:
    """One RegisterResourceRequest, with its inputs deserialized."""

    request: resource_pb2.RegisterResourceRequest
    urn: str
    inputs: dict[str, Any]

    @property
    def type(self) -> str:
        return self.request.type

    @property
    def name(self) -> str:
        return self.request.name

    @property
    def parent(self) -> str:
        return self.request.parent

    @property
    def protect(self) -> bool:
        return self.request.protect

    @property
    def retain_on_delete(self) -> bool:
        return self.request.retainOnDelete

    @property
    def delete_before_replace(self) -> bool:
        return self.request.deleteBeforeReplace

    @property
    def dependencies(self) -> list[str]:
        return list(self.request.dependencies)


@dataclass
class Capture:
    """Everything one run of the program registered, in order."""

    registrations: list[Registration] = field(default_factory=list)
    outputs: dict[str, Any] = field(default_factory=dict)
    error: Optional[BaseException] = None


class _EchoMocks(pulumi.runtime.Mocks):
    """Plays the provider: every resource's outputs are its inputs."""

    def new_resource(self, args: pulumi.runtime.MockResourceArgs):
        return f"{args.name}-id", dict(args.inputs)

    def call(self, args: pulumi.runtime.MockCallArgs):
        return {}


def _closing_worker_loop(call: Callable[[Any], Any], request: Any) -> Any:
    """Runs a MockMonitor call, then closes the event loop the SDK made for this executor thread.

    Left open, those loops are collected at random later, and a loop finalized after its own
    self-pipe raises from ``__del__``.
    """
    try:
        return call(request)
    finally:
        if threading.current_thread() is not threading.main_thread():
            with suppress(RuntimeError):
                asyncio.get_event_loop().close()
            asyncio.set_event_loop(None)


class RecordingMonitor(mocks.MockMonitor):
    def __init__(self, capture: Capture):
        super().__init__(_EchoMocks())
        self.capture = capture

    def RegisterResource(self, request):
        if request.type != "pulumi:pulumi:Stack":
            copy = resource_pb2.RegisterResourceRequest()
            copy.CopyFrom(request)
            inputs = rpc.deserialize_properties(request.object)
            urn = self.make_urn(request.parent, request.type, request.name)
            self.capture.registrations.append(Registration(copy, urn, inputs))
        return _closing_worker_loop(super().RegisterResource, request)

    def Invoke(self, request):
        return _closing_worker_loop(super().Invoke, request)

    def ReadResource(self, request):
        return _closing_worker_loop(super().ReadResource, request)

    def RegisterResourceOutputs(self, request):
        if request.urn.split("::")[2] == "pulumi:pulumi:Stack":
            self.capture.outputs = json_format.MessageToDict(request.outputs)
        return super().RegisterResourceOutputs(request)


def run_program(
    config: dict[str, Any], stack: str = "homelab", program: Path = PROJECT_DIR / "__main__.py",
    secret_keys: Sequence[str] = (),
) -> Capture:
    """Runs ``program`` with ``config`` (a stack file's `config:` map, YAML values) and records it.

    An exception the program raises is kept in ``Capture.error`` rather than raised, so the caller
    can print it as the CLI does, or assert both the error and that nothing was registered before it.
    """
    capture = Capture()
    monitor = RecordingMonitor(capture)
    # The loop comes first: set_mocks starts RPCs for its own root stack on the current loop.
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    given = {name: os.environ.get(name) for name in ("PULUMI_CONFIG", "PULUMI_CONFIG_SECRET_KEYS")}
    os.environ["PULUMI_CONFIG"] = json.dumps(language_host_config(config))
    os.environ["PULUMI_CONFIG_SECRET_KEYS"] = json.dumps(list(secret_keys))
    mocks.set_mocks(monitor.mocks, project=PROJECT, stack=stack, preview=False, monitor=monitor)
    # set_mocks installs a finished root stack of its own; the program gets a fresh one, as under the CLI.
    # (The SDK annotates the setter with Resource but resets it with None itself.)
    settings.set_root_resource(None)  # type: ignore[arg-type]

    def run() -> None:
        runpy.run_path(str(program), run_name="__main__")

    try:
        loop.run_until_complete(run_in_stack(run))
    except Exception as error:  # noqa: BLE001 kept for the caller to print or assert on
        capture.error = error
    finally:
        for task in asyncio.all_tasks(loop):
            task.cancel()
            with suppress(asyncio.CancelledError, Exception):
                loop.run_until_complete(task)
        loop.run_until_complete(loop.shutdown_default_executor())
        loop.close()
        asyncio.set_event_loop(None)
        settings.set_root_resource(None)  # type: ignore[arg-type]
        for name, value in given.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
    return capture


def language_host_config(config: dict[str, Any]) -> dict[str, str]:
    """A stack file's config as the language host passes it: every value a string, objects as JSON."""
    return {key: value if isinstance(value, str) else json.dumps(value) for key, value in config.items()}
