"""Render `tinkex/api/<resource>.py`: an EndpointSpec and an async function per endpoint."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import msgspec

from tinkex.manifest.gen_types import sort_key
from tinkex.manifest.pysource import HEADER, Imports, TypeRenderer, docstring, render_value
from tinkex.manifest.typeexpr import parse_type

if TYPE_CHECKING:
    from tinkex.manifest.schema import EndpointDef, Manifest

__all__ = ["render_api_init", "render_registry", "render_resource", "resources"]

_WIDTH = 100


def resources(manifest: Manifest) -> dict[str, list[str]]:
    """Endpoint names grouped by resource (the part before the dot), in manifest order."""
    grouped: dict[str, list[str]] = {}
    for name in manifest.endpoints:
        grouped.setdefault(name.split(".", 1)[0], []).append(name)
    return grouped


def _const(name: str) -> str:
    return name.split(".", 1)[1].upper()


def _spec_source(name: str, endpoint: EndpointDef) -> str:
    headers = endpoint.headers.items()
    fields: list[tuple[str, str]] = [
        ("name", render_value(name)),
        ("method", render_value(endpoint.method)),
        ("path", render_value(endpoint.path)),
        ("request_codec", render_value(endpoint.body)),
        ("accept", render_value(endpoint.accept)),
        ("pool", f"PoolKind.{endpoint.pool.name}"),
        ("max_retries", str(endpoint.max_retries)),
        ("timeout_s", repr(float(endpoint.timeout_s))),
        ("features", _tuple([render_value(f) for f in endpoint.features])),
        ("headers", _tuple([f"({render_value(k)}, {render_value(v)})" for k, v in headers])),
    ]
    if endpoint.future is not None:
        fields.append(("future_result", render_value(endpoint.future.result)))
        fields.append(("request_type", render_value(endpoint.future.request_type)))
    if endpoint.streaming:
        fields.append(("streaming", "True"))
    if not endpoint.idempotent:
        fields.append(("idempotent", "False"))
    body = "".join(f"    {key}={value},\n" for key, value in fields)
    for line in body.splitlines():
        if len(line) > _WIDTH:
            raise ValueError(f"endpoints.{name}: generated line is too long: {line.strip()}")
    # A streaming endpoint gets no function, so its spec carries the documentation.
    doc = docstring(endpoint.doc, "") if endpoint.streaming else ""
    return f"{_const(name)} = EndpointSpec(\n{body})\n{doc}"


def _tuple(items: list[str]) -> str:
    if not items:
        return "()"
    if len(items) == 1:
        return f"({items[0]},)"
    return "(" + ", ".join(items) + ")"


def _mapping_arg(key: str, pairs: list[str], indent: str) -> str:
    if not pairs:
        return ""
    line = f"{indent}{key}={{{', '.join(pairs)}}},\n"
    if len(line) - 1 <= _WIDTH:
        return line
    inner = "".join(f"{indent}    {pair},\n" for pair in pairs)
    return f"{indent}{key}={{\n{inner}{indent}}},\n"


def _query_default(value: Any, optional: bool) -> str:
    if value is msgspec.UNSET:
        return " = None" if optional else ""
    return f" = {render_value(value)}"


def _function_source(name: str, endpoint: EndpointDef, renderer: TypeRenderer) -> str:
    operation = name.split(".", 1)[1]
    params = ["    invoker: Invoker,\n"]
    if endpoint.request is not None:
        params.append(f"    request: {renderer.name(endpoint.request)},\n")
    params.append("    /,\n    *,\n")
    params += [f"    {p}: str,\n" for p in endpoint.path_params]
    for query_name, query in endpoint.query.items():
        expr = parse_type(query.type)
        default = _query_default(query.default, expr.optional)
        params.append(f"    {query_name}: {renderer.render(expr)}{default},\n")
    renderer.imports.add("collections.abc", "Mapping")
    params.append("    headers: Mapping[str, str] | None = None,\n")
    response = renderer.name(endpoint.response or "EmptyResponse")
    extra = []
    if endpoint.future is not None:
        extra.append(
            f"Answers with a future that resolves to ``{endpoint.future.result}`` "
            f"(``X-Tinker-Request-Type: {endpoint.future.request_type}``)."
        )
    extra += [f"``{q}``: {spec.doc}" for q, spec in endpoint.query.items() if spec.doc]
    extra.append(f"``{endpoint.method} {endpoint.path}``")
    out = f"async def {operation}(\n{''.join(params)}) -> {response}:\n"
    out += docstring(endpoint.doc, "    ", extra)
    # A response without a declared type is ignored (`type(None)` tells the invoker not to
    # decode it: bodies such as 204's empty one are not JSON) and reported as EmptyResponse.
    ignored = endpoint.response is None
    out += "    await invoker.invoke(\n" if ignored else "    return await invoker.invoke(\n"
    out += f"        {_const(name)},\n"
    out += "        request,\n" if endpoint.request is not None else "        None,\n"
    out += f"        response_type={'type(None)' if ignored else response},\n"
    out += _mapping_arg("path_params", [f'"{p}": {p}' for p in endpoint.path_params], "        ")
    out += _mapping_arg("query", [f'"{q}": {q}' for q in endpoint.query], "        ")
    out += "        headers=headers,\n    )\n"
    if ignored:
        out += f"    return {response}()\n"
    return out


def render_resource(manifest: Manifest, resource: str, names: list[str], *, package: str) -> str:
    """Source of the api module for one resource.

    Streaming endpoints get their EndpointSpec and their request and event types, not a
    function: their bodies are read through the StreamingTransport port, which the
    single-response `Invoker` does not cover.
    """
    imports = Imports()
    imports.add("tinkex.ports.endpoint", "EndpointSpec")
    imports.add("tinkex.ports.transport", "PoolKind")
    renderer = TypeRenderer(manifest, None, package, imports)
    blocks, exported = [], []
    for name in names:
        endpoint = manifest.endpoints[name]
        blocks.append(_spec_source(name, endpoint))
        exported.append(_const(name))
    for name in names:
        endpoint = manifest.endpoints[name]
        if endpoint.streaming:
            blocks += _stream_types(name, endpoint, renderer)
            exported += [f"{_const(name)}_REQUEST", f"{_const(name)}_EVENT"]
            continue
        imports.add("tinkex.ports.endpoint", "Invoker")
        blocks.append(_function_source(name, endpoint, renderer))
        exported.append(name.split(".", 1)[1])
    listing = "".join(f'    "{n}",\n' for n in sorted(exported, key=sort_key))
    doc = f'"""Endpoints of the ``{resource}`` resource: specs and one function per endpoint."""'
    head = f"{HEADER}\n{doc}\n\n{imports.render()}\n\n__all__ = [\n{listing}]\n\n"
    return head + "\n".join(_spacing(blocks))


def _stream_types(name: str, endpoint: EndpointDef, renderer: TypeRenderer) -> list[str]:
    """A streaming endpoint's request type and the type each of its events decodes into."""
    if endpoint.request is None or endpoint.response is None:
        raise ValueError(f"endpoints.{name}: a streaming endpoint names request and response")
    request, event = renderer.name(endpoint.request), renderer.name(endpoint.response)
    return [
        f"{_const(name)}_REQUEST = {request}\n"
        f'"""The body of ``{name}`` (its streaming client builds one)."""\n',
        f'{_const(name)}_EVENT = {event}\n"""What each event of ``{name}`` decodes into."""\n',
    ]


def _spacing(blocks: list[str]) -> list[str]:
    # Constants sit one blank line apart; functions two blank lines apart (ruff format).
    out: list[str] = []
    for index, block in enumerate(blocks):
        is_function = block.startswith("async def")
        if index and (is_function or blocks[index - 1].startswith("async def")):
            out.append("\n" + block)
        else:
            out.append(block)
    return out


def render_registry(manifest: Manifest, *, package: str) -> str:
    """Source of `api/registry.py`: every EndpointSpec by manifest name."""
    imports = Imports()
    imports.add("tinkex.ports.endpoint", "EndpointSpec")
    for resource in resources(manifest):
        imports.add(f"{package}.api", resource)
    entries = "".join(
        f'    "{name}": {name.split(".", 1)[0]}.{_const(name)},\n' for name in manifest.endpoints
    )
    doc = '"""Every endpoint of the manifest, by its manifest name."""'
    return (
        f'{HEADER}\n{doc}\n\n{imports.render()}\n\n__all__ = ["ENDPOINTS"]\n\n'
        f"ENDPOINTS: dict[str, EndpointSpec] = {{\n{entries}}}\n"
    )


def render_api_init(manifest: Manifest, *, package: str) -> str:
    """Source of `api/__init__.py`: the resource modules."""
    names = sorted(resources(manifest))
    imports = Imports()
    for resource in names:
        imports.add(f"{package}.api", resource)
    listing = "".join(f'    "{n}",\n' for n in names)
    doc = '"""Generated endpoint modules, one per manifest resource (see `registry.ENDPOINTS`)."""'
    return f"{HEADER}\n{doc}\n\n{imports.render()}\n\n__all__ = [\n{listing}]\n"
