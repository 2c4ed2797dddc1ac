"""Compile the manifest's ``${...}`` expressions and flow steps into straight-line Python.

Everything is resolved here, at generation time: an expression becomes a local name, an
attribute path or a hook call; a step becomes one or two statements. Nothing of the manifest
is interpreted when the generated code runs.

Expressions (a whole string value; anything else is a literal)::

    ${input.x}       the method's (or flow's) parameter x
    ${state.x}       the client's state field x (an attribute path, or its hook's value)
    ${result}        the previous step's value; ${result.a.b} an attribute of it
    ${<into>.x}      the value of the step named by ``into``
    ${self}          the client (the class, in a static method)
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from tinkex.manifest.gen_clients import call_source
from tinkex.manifest.pysource import render_value

if TYPE_CHECKING:
    from tinkex.manifest.hooks import HookModule
    from tinkex.manifest.schema import ClientSpec, FlowStep, Manifest

__all__ = ["Scope", "StepCompiler", "flow_method_name"]

_EXPR = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)((?:\.[A-Za-z_][A-Za-z0-9_]*)*)\}")
_RESERVED = frozenset({"input", "state", "result", "self"})


def flow_method_name(flow: str) -> str:
    """The private method a flow compiles into."""
    return f"_flow_{flow}"


@dataclass
class Scope:
    """What the code being compiled can read.

    Attributes:
        where: The manifest key path of the code (for error messages).
        params: The parameters of the method or flow.
        named: Values of steps named by ``into`` so far.
        result_name: The local holding ``${result}`` (the previous step's value), if any.
        is_async: Whether the code may ``await`` (an ``async def``).
        self_name: What ``${self}`` is called (``cls`` in a class method).
    """

    where: str
    params: set[str]
    named: set[str] = field(default_factory=set)
    result_name: str | None = None
    is_async: bool = True
    self_name: str = "self"


@dataclass
class StepCompiler:
    """Compiles expressions and steps for the methods of one client.

    Attributes:
        manifest: The manifest.
        client_key: The client whose methods are compiled.
        hooks: The client's hooks (None: it has none).
        package: The package the generated code lives in.
        runtime_names: Names the generated module must import at run time, by module
            (filled as code is compiled: request and result types).
        runtime_modules: Modules it must import at run time (``import tinkex``).
    """

    manifest: Manifest
    client_key: str
    hooks: HookModule | None
    package: str = "tinkex"
    runtime_names: dict[str, set[str]] = field(default_factory=dict)
    runtime_modules: set[str] = field(default_factory=set)

    @property
    def client(self) -> ClientSpec:
        """The client being compiled."""
        return self.manifest.clients[self.client_key]

    def need(self, module: str, name: str) -> str:
        """Record a run-time import of `name` from `module`; return the name."""
        self.runtime_names.setdefault(module, set()).add(name)
        return name

    # -- expressions ---------------------------------------------------------------------------

    def value(self, raw: Any, scope: Scope, pre: list[str], indent: str) -> str:
        """Python source of one argument value; hook calls it needs are appended to `pre`."""
        if not isinstance(raw, str) or "${" not in raw:
            return render_value(raw)
        match = _EXPR.fullmatch(raw.strip())
        if match is None:
            raise ValueError(f"{scope.where}: {raw!r} is not one ${{...}} expression")
        root, rest = match.group(1), match.group(2)
        if root == "input":
            name = rest[1:].split(".", 1)[0] if rest else ""
            if name not in scope.params:
                raise ValueError(f"{scope.where}: {raw!r}: no parameter {name!r}")
            return rest[1:]
        if root == "state":
            return self._state(rest[1:], scope, pre, indent, raw)
        if root == "result":
            if scope.result_name is None:
                raise ValueError(f"{scope.where}: {raw!r}: the previous step kept no value")
            return scope.result_name + rest
        if root == "self":
            return scope.self_name + rest
        if root not in scope.named:
            raise ValueError(f"{scope.where}: {raw!r}: no earlier step is named {root!r}")
        return root + rest

    def _state(self, path: str, scope: Scope, pre: list[str], indent: str, raw: str) -> str:
        name, _, attrs = path.partition(".")
        spec = self.client.state.get(name)
        if spec is None:
            raise ValueError(
                f"{scope.where}: {raw!r}: clients.{self.client_key} has no state {name!r}"
            )
        tail = f".{attrs}" if attrs else ""
        if spec.hook is None:
            return f"{scope.self_name}.{spec.attr or '_' + name}{tail}"
        local = f"_{name}"
        call = self.hook_call(spec.hook, spec.args, scope, pre, indent, target=f"{local} = ")
        pre.append(call)
        return local + tail

    def hook_call(
        self,
        hook: str,
        args: dict[str, Any],
        scope: Scope,
        pre: list[str],
        indent: str,
        *,
        target: str = "",
    ) -> str:
        """A statement calling `hook` with `args` (``target`` is e.g. ``"x = "``)."""
        if self.hooks is None or hook not in self.hooks.is_async:
            raise ValueError(f"{scope.where}: no hook {hook!r}")
        rendered = [f"{k}={self.value(v, scope, pre, indent)}" for k, v in args.items()]
        awaited = self.hooks.is_async[hook]
        if awaited and not scope.is_async:
            raise ValueError(f"{scope.where}: hook {hook!r} is async; this method is not")
        head = f"{target}{'await ' if awaited else ''}{self.hooks.alias}.{hook}"
        return call_source(head, rendered, indent)

    # -- steps ---------------------------------------------------------------------------------

    def step(
        self, step: FlowStep, scope: Scope, indent: str, last_call: str | None, *, keep: str
    ) -> list[str]:
        """The statements of one step; `keep` names the local its value goes to ("": none).

        Each kept value gets its own local (its ``into`` name, or ``_step<n>``), so every
        local has one type; a value nothing reads is not assigned at all.
        """
        pre: list[str] = []
        if step.doc:
            pre.append(f"{indent}# {step.doc}\n")
        target = f"{keep} = " if keep else ""
        if step.hook is not None:
            pre.append(self.hook_call(step.hook, step.args, scope, pre, indent, target=target))
        elif step.call is not None and step.json_era_call is not None:
            era = self.value("${state.json_era}", scope, pre, indent)
            pre.append(f"{indent}if {era}:\n")
            pre.extend(self._call(step.json_era_call, step.args, scope, indent + "    ", target))
            pre.append(f"{indent}else:\n")
            pre.extend(self._call(step.call, step.args, scope, indent + "    ", target))
        elif step.call is not None:
            pre.extend(self._call(step.call, step.args, scope, indent, target))
        elif step.await_future is not None:
            pre.append(
                self._await_future(step.await_future, step.args, scope, indent, last_call, target)
            )
        elif step.build_client is not None:
            pre.append(self._build_client(step.build_client, step.args, scope, indent, target))
        else:
            raise ValueError(f"{scope.where}: a step has no action")
        if step.into:
            if step.into in _RESERVED or step.into in scope.params or step.into in scope.named:
                raise ValueError(f"{scope.where}: into {step.into!r} shadows another name")
            scope.named.add(step.into)
        scope.result_name = keep or None
        return pre

    def endpoint_call(
        self, endpoint: str, args: dict[str, Any], scope: Scope, indent: str, target: str
    ) -> list[str]:
        """Statements that send one request of `endpoint` (``target`` takes the response).

        `args` name request fields, path and query parameters and ``headers``; ``request``
        (when the request type has no such field) passes a whole request object instead. A
        field written ``name?`` is left out when its value is None (it keeps its default).
        """
        spec = self.manifest.endpoints[endpoint]
        pre: list[str] = []
        request_fields: dict[str, str] = {}
        keywords: list[str] = []
        fields = self.manifest.types[spec.request].fields if spec.request else {}
        whole: str | None = None
        unless_none: list[str] = []
        for written, raw in args.items():
            value = self.value(raw, scope, pre, indent)
            key = written.removesuffix("?")
            if key == "request" and spec.request and "request" not in fields:
                whole = value  # the request object itself, built elsewhere
            elif key in fields and written.endswith("?"):
                # Left out when None, so the field keeps its declared default.
                unless_none.append(
                    f"**({{{render_value(key)}: {value}}} if {value} is not None else {{}})"
                )
            elif key in fields:
                request_fields[key] = value
            elif key in spec.path_params or key in spec.query or key == "headers":
                keywords.append(f"{key}={value}")
            else:
                raise ValueError(f"{scope.where}: {endpoint} takes no argument {key!r}")
        invoker = self.value("${state.invoker}", scope, pre, indent)
        positional = [invoker]
        if spec.request and whole is not None:
            positional.append(whole)
        elif spec.request:
            request_type = self.need(f"{self.package}.domain.types", spec.request)
            rendered = [f"{k}={v}" for k, v in request_fields.items()] + unless_none
            pre.append(call_source(f"_request = {request_type}", rendered, indent))
            positional.append("_request")
        resource, function = endpoint.split(".", 1)
        self.need(self.package, "api")
        head = f"{target}{'await ' if scope.is_async else ''}api.{resource}.{function}"
        pre.append(call_source(head, positional + keywords, indent))
        return pre

    def _call(
        self, name: str, args: dict[str, Any], scope: Scope, indent: str, target: str
    ) -> list[str]:
        if name in self.manifest.endpoints:
            return self.endpoint_call(name, args, scope, indent, target)
        return [self._flow_call(name, args, scope, indent, target)]

    def _flow_call(
        self, flow: str, args: dict[str, Any], scope: Scope, indent: str, target: str
    ) -> str:
        called = self.manifest.flows[flow]
        if called.client != self.client_key:
            raise ValueError(f"{scope.where}: flow {flow!r} belongs to another client")
        pre: list[str] = []
        rendered = [f"{k}={self.value(v, scope, pre, indent)}" for k, v in args.items()]
        head = f"{target}await self.{flow_method_name(flow)}"
        return "".join(pre) + call_source(head, rendered, indent)

    def _await_future(
        self,
        type_name: str,
        args: dict[str, Any],
        scope: Scope,
        indent: str,
        last_call: str | None,
        target: str,
    ) -> str:
        endpoint = self.manifest.endpoints.get(last_call or "")
        if endpoint is None or endpoint.future is None:
            raise ValueError(f"{scope.where}: await_future follows no call that returns a future")
        pre: list[str] = []
        resolver = self.value("${state.resolver}", scope, pre, indent)
        result_type = self.need(f"{self.package}.domain.types", type_name)
        # ``future``: the call's answer, when other steps came between (default: ${result}).
        submitted = (
            self.value(args["future"], scope, pre, indent)
            if "future" in args
            else scope.result_name
        )
        if submitted is None:
            raise ValueError(f"{scope.where}: await_future needs the call's value kept")
        args = {k: v for k, v in args.items() if k != "future"}
        rendered = [
            f"{submitted}.request_id",
            f"result_type={result_type}",
            f"request_type={render_value(endpoint.future.request_type)}",
            *(f"{k}={self.value(v, scope, pre, indent)}" for k, v in args.items()),
        ]
        head = f"{target}await {resolver}.resolve"
        return "".join(pre) + call_source(head, rendered, indent)

    def _build_client(
        self, key: str, args: dict[str, Any], scope: Scope, indent: str, target: str
    ) -> str:
        pre: list[str] = []
        rendered = [f"{k}={self.value(v, scope, pre, indent)}" for k, v in args.items()]
        class_name = self.manifest.clients[key].module.rsplit(".", 1)[1]
        self.runtime_modules.add(self.package)
        return "".join(pre) + call_source(f"{target}{self.package}.{class_name}", rendered, indent)
