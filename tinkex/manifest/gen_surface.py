"""Render each public client class from the manifest: ``tinkex/clients/generated/<key>.py``.

The class (``ServiceClient``...) holds every method the manifest's ``clients.<key>.methods``
declares, with its signature, docstring and body, and every flow of ``flows:`` that belongs to
the client, compiled into a private ``_flow_<name>`` method of straight-line code. A method's
body is one of:

* ``endpoint:`` one request through the generated `tinkex.api` function;
* ``flow:`` a call of the compiled flow (a step's ``json_era_call:`` calls another thing on
  a JSON-era server, as the client's ``json_era`` state says);
* ``hook:`` a call of a hand-written domain hook of the client's ``hooks`` module.

Its bases are the official SDK's names (`tinkex.clients.official_names`) and the client's
hand-written core (``core:``): construction, lifecycle, state, nothing the manifest declares.
Hooks take the generated class, so mypy checks hooks, state paths and flows together.
"""

from __future__ import annotations

import ast
import builtins
import re
from typing import TYPE_CHECKING

from tinkex.manifest.gen_clients import call_source
from tinkex.manifest.gen_steps import Scope, StepCompiler, flow_method_name
from tinkex.manifest.gen_types import sort_key
from tinkex.manifest.hooks import checked_hooks
from tinkex.manifest.pysource import HEADER, Imports, docstring

if TYPE_CHECKING:
    from pathlib import Path

    from tinkex.manifest.schema import ClientMethod, FlowDef, Manifest

__all__ = ["SURFACE_DIR", "render_surface", "surface_clients"]

SURFACE_DIR = "clients/generated"
"""Where the generated client methods go, relative to the package directory."""

_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_STRING = re.compile(r"\"[^\"]*\"|'[^']*'")


def _names(annotation: str) -> list[str]:
    """The names an annotation mentions (not the words inside its string literals)."""
    return _NAME.findall(_STRING.sub("", annotation))


_BUILTIN_NAMES = frozenset(dir(builtins))


def surface_clients(manifest: Manifest) -> list[str]:
    """The client keys that get a generated methods module (every ``kind: client``)."""
    return [key for key, client in manifest.clients.items() if client.kind == "client"]


def render_surface(manifest: Manifest, key: str, *, package: str, hooks_root: Path) -> str:
    """Source of ``<package>/clients/generated/<key>.py``.

    Raises:
        HookError: The client's hooks and the manifest disagree.
        ValueError: A method or flow cannot be compiled (the message names its key path).
    """
    client = manifest.clients[key]
    hooks = checked_hooks(manifest, key, hooks_root)
    compiler = StepCompiler(manifest, key, hooks, package=package)
    typing_names: set[str] = set()
    class_name = client.module.rsplit(".", 1)[1]
    methods: list[str] = []
    for name, method in client.methods.items():
        methods.append(_method(compiler, name, method, typing_names))
    for flow_name, flow in manifest.flows.items():
        if flow.client == key:
            methods.append(_flow(compiler, flow_name, flow, typing_names))
    imports = Imports()
    for module, names in compiler.runtime_names.items():
        for runtime_name in names:
            imports.add(module, runtime_name)
    for module in compiler.runtime_modules:
        imports.add(module)
    if hooks is not None:
        parent, _, leaf = hooks.module.rpartition(".")
        imports.add(parent, leaf)
    core_module, _, core_class = client.core.partition(":")
    if not core_class:
        raise ValueError(f"clients.{key}.core: give 'module:Class' of the hand-written base")
    imports.add(core_module, core_class)
    names_class = f"{class_name}OfficialNames"
    imports.add(f"{package}.clients.official_names", names_class)
    _typing_imports(manifest, key, typing_names - {class_name}, imports, package)
    state = [
        f"* ``{name}`` ({field.type}): {field.doc or 'read by the flows.'}"
        for name, field in client.state.items()
    ]
    doc = docstring(
        f"`{client.module}`: the class its manifest entry declares",
        "",
        [
            f"Generated from ``clients.{key}`` and the flows of that client, on the hand-written "
            f"`{core_class}` (``{client.core}``) and the domain hooks of ``{client.hooks}``.",
            *(["The state the methods read (``${state.<name>}``):", *state] if state else []),
        ],
    )
    class_doc = _core_doc(client.core, hooks_root) or docstring(client.doc, "    ")
    head = (
        f"{HEADER}\n{doc}\nfrom __future__ import annotations\n\n{imports.render()}\n\n"
        f'__all__ = ["{class_name}"]\n\n\n'
    )
    body = f"class {class_name}({names_class}, {core_class}):\n{class_doc}\n" + "\n".join(methods)
    return head + body


def _core_doc(core: str, root: Path) -> str:
    """The docstring of the hand-written core class, as source (read, not imported)."""
    module, _, name = core.partition(":")
    path = root.joinpath(*module.split(".")).with_suffix(".py")
    if not path.is_file():
        raise ValueError(f"core module {module} not found ({path})")
    for node in ast.parse(path.read_text(encoding="utf-8")).body:
        if isinstance(node, ast.ClassDef) and node.name == name:
            text = ast.get_docstring(node, clean=False)
            if text is None:
                return ""
            return f'    """{text}"""\n'
    raise ValueError(f"{core}: no class {name} in {module}")


def _typing_imports(
    manifest: Manifest, key: str, names: set[str], imports: Imports, package: str
) -> None:
    client = manifest.clients[key]
    classes = {c.module.rsplit(".", 1)[1] for c in manifest.clients.values()}
    for name in sorted(names, key=sort_key):
        if name in _BUILTIN_NAMES:
            continue
        if name in classes:
            imports.add_for_typing(package, name)
        elif name in client.imports:
            imports.add_for_typing(client.imports[name], name)
        elif name in manifest.types:
            imports.add_for_typing(f"{package}.domain.types", name)
        else:
            raise ValueError(f"clients.{key}: no import for {name!r} (add it to imports:)")


def _signature(
    params: dict[str, str], kwonly: dict[str, str], where: str, names: set[str]
) -> list[str]:
    rendered: list[str] = []
    for index, (name, text) in enumerate([*params.items(), *kwonly.items()]):
        if index == len(params) and kwonly:
            rendered.append("*")
        annotation, sep, default = text.partition(" = ")
        if not annotation.strip():
            raise ValueError(f"{where}.{name}: no annotation")
        names.update(_names(annotation))
        # A default is evaluated at definition time: keep defaults to literals.
        literal = re.fullmatch(r"-?[0-9.]+|\"[^\"]*\"|'[^']*'|None|True|False", default.strip())
        if sep and literal is None:
            raise ValueError(f"{where}.{name}: a default must be a literal, not {default!r}")
        rendered.append(f"{name}: {annotation.strip()}" + (f" = {default.strip()}" if sep else ""))
    return rendered


def _method(compiler: StepCompiler, name: str, method: ClientMethod, names: set[str]) -> str:
    manifest = compiler.manifest
    key = compiler.client_key
    where = f"clients.{key}.methods.{name}"
    flow = manifest.flows[method.flow] if method.flow is not None else None
    params, kwonly = method.params, method.kwonly
    if flow is not None and not params and not kwonly:
        params, kwonly = flow.params, flow.kwonly
    class_name = manifest.clients[key].module.rsplit(".", 1)[1]
    is_async = method.shape == "awaitable"
    result = _result_annotation(manifest, method, flow, where)
    names.update(_names(result))
    first = "cls" if method.static else "self"
    signature = [first, *_signature(params, kwonly, f"{where}.params", names)]
    head = f"{'async ' if is_async else ''}def {name}"
    out = "    @classmethod\n" if method.static else ""
    out += call_source(head, signature, "    ", f" -> {result}:")
    out += docstring(method.doc or name, "        ", [_binding_line(method)])
    scope = Scope(where=where, params={*params, *kwonly}, is_async=is_async)
    if method.static:
        scope.self_name = "cls"
    body: list[str] = []
    labelled = method.shape in ("awaitable", "future")
    indent = " " * (12 if labelled else 8)
    returns = "" if result == "None" else "return "
    if method.endpoint is not None:
        if not is_async:
            raise ValueError(f"{where}: an endpoint method is awaitable (shape)")
        args = method.args or {p: f"${{input.{p}}}" for p in [*params, *kwonly]}
        body += compiler.endpoint_call(method.endpoint, args, scope, indent, returns)
    elif flow is not None and method.flow is not None:
        if not is_async:
            raise ValueError(f"{where}: a flow method is awaitable (shape)")
        body += _flow_dispatch(compiler, method, method.flow, scope, indent, returns)
    elif method.hook is not None:
        pre: list[str] = []
        inputs = {p: f"${{input.{p}}}" for p in [*params, *kwonly]}
        args = method.args or {"client": "${self}", **inputs}
        call = compiler.hook_call(method.hook, args, scope, pre, indent, target=returns)
        body += [*pre, call]
    else:
        raise ValueError(f"{where}: names none of endpoint, flow or hook")
    if labelled:
        # Every request it sends names it (``x-sdk-method``), as the official SDK's do.
        compiler.need(f"{compiler.package}.domain.headers", "sdk_method")
        body.insert(0, f'        with sdk_method("{class_name}.{name}"):\n')
    out += "".join(body)
    if method.deprecated_args:
        # The official SDK's ignored parameters (the mixin's `AcceptsDeprecated`), which
        # this method, defined here, would otherwise shadow.
        compiler.need(f"{compiler.package}.clients.aliasing", "with_deprecated")
        compiler.need("typing", "TYPE_CHECKING")
        wrap = call_source(
            f"{name} = with_deprecated", [f"{class_name}OfficialNames", name], " " * 8
        )
        out += f"\n    if not TYPE_CHECKING:\n{wrap}"
    return out


def _binding_line(method: ClientMethod) -> str:
    if method.endpoint is not None:
        return f"Sends one ``{method.endpoint}`` request."
    if method.flow is not None:
        return f"Runs the ``{method.flow}`` flow."
    return f"Answered by the ``{method.hook}`` domain hook."


def _flow_dispatch(
    compiler: StepCompiler,
    method: ClientMethod,
    flow_name: str,
    scope: Scope,
    indent: str,
    returns: str,
) -> list[str]:
    flow = compiler.manifest.flows[flow_name]
    missing = [p for p in flow.params if p not in scope.params and " = " not in flow.params[p]]
    if missing:
        raise ValueError(f"{scope.where}: flow {flow_name!r} needs {missing}, not parameters here")
    args = [f"{p}={p}" for p in [*flow.params, *flow.kwonly] if p in scope.params]
    return [call_source(f"{returns}await self.{flow_method_name(flow_name)}", args, indent)]


def _result_annotation(
    manifest: Manifest, method: ClientMethod, flow: FlowDef | None, where: str
) -> str:
    if method.result:
        return method.result
    if method.endpoint is not None:
        response = manifest.endpoints[method.endpoint].response
        return response or "None"
    if flow is not None:
        return _flow_returns(manifest, flow)
    if method.returns is not None:
        return manifest.clients[method.returns].module.rsplit(".", 1)[1]
    raise ValueError(f"{where}: a hook method says what it returns (result:)")


def _flow_returns(manifest: Manifest, flow: FlowDef) -> str:
    target = manifest.clients.get(flow.returns)
    return target.module.rsplit(".", 1)[1] if target is not None else flow.returns


def _kept_as(flow: FlowDef, index: int) -> str:
    """The local a step's value is kept in ("": none).

    Its ``into`` name, or ``_step<n>`` when the next step (or the flow's result) reads
    ``${result}``.
    """
    step = flow.steps[index]
    if step.into:
        return step.into
    following = flow.steps[index + 1] if index + 1 < len(flow.steps) else None
    if following is None:
        read = flow.result is not None and flow.result.startswith("${result")
    else:
        read = following.await_future is not None or any(
            isinstance(v, str) and v.startswith("${result") for v in following.args.values()
        )
    return f"_step{index}" if read else ""


def _flow(compiler: StepCompiler, name: str, flow: FlowDef, names: set[str]) -> str:
    where = f"flows.{name}"
    result = _flow_returns(compiler.manifest, flow)
    names.update(_names(result))
    signature = ["self", *_signature(flow.params, flow.kwonly, f"{where}.params", names)]
    out = call_source(f"async def {flow_method_name(name)}", signature, "    ", f" -> {result}:")
    out += docstring(flow.doc, "        ")
    scope = Scope(where=where, params={*flow.params, *flow.kwonly})
    indent = " " * 8
    last_call: str | None = None
    for index, step in enumerate(flow.steps):
        scope.where = f"{where}.steps.{index}"
        keep = _kept_as(flow, index)
        out += "".join(compiler.step(step, scope, indent, last_call, keep=keep))
        if step.call is not None:
            last_call = step.call
    scope.where = f"{where}.result"
    if flow.result is None:
        return out
    pre: list[str] = []
    value = compiler.value(flow.result, scope, pre, indent)
    return out + "".join(pre) + f"{indent}return {value}\n"
