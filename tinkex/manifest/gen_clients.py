"""Render the client surface that follows from the manifest's `clients:` section.

    <package>/clients/official_names.py   one mixin per client class: the official SDK's
        ``*_async`` aliases of its methods (``aliases:``) and the deprecated arguments it
        still accepts (``deprecated_args:``)
    <package>/sync/clients.py             the blocking clients of ``tinkex.sync``: every
        method of every client, answering as ``sync:``/``returns:`` say, plus the aliases

Both are thin: the behaviour lives in the async clients, `tinkex.clients.aliasing` and
`tinkex.sync.methods`; these modules only say which method becomes what.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from tinkex.manifest.gen_types import sort_key
from tinkex.manifest.pysource import HEADER, docstring, render_value
from tinkex.manifest.validate_clients import returned_client

if TYPE_CHECKING:
    from tinkex.manifest.schema import ClientMethod, ClientSpec, Manifest

__all__ = [
    "OFFICIAL_NAMES_MODULE",
    "SYNC_CLIENTS_MODULE",
    "render_official_names",
    "render_sync_clients",
]

OFFICIAL_NAMES_MODULE = "clients/official_names.py"
"""Where `render_official_names`' output goes, relative to the package directory."""
SYNC_CLIENTS_MODULE = "sync/clients.py"
"""Where `render_sync_clients`' output goes, relative to the package directory."""

_WIDTH = 100


def call_source(head: str, args: list[str], indent: str, tail: str = "") -> str:
    """``head(args)tail`` as ruff formats it: one line, args on one line, or one per line."""
    flat = f"{indent}{head}({', '.join(args)}){tail}"
    if len(flat) <= _WIDTH:
        return flat + "\n"
    inner = indent + "    "
    joined = inner + ", ".join(args)
    if len(joined) <= _WIDTH:
        return f"{indent}{head}(\n{joined}\n{indent}){tail}\n"
    for arg in args:
        if len(inner + arg) + 1 > _WIDTH:
            raise ValueError(f"generated argument is too long: {arg}")
    body = "".join(f"{inner}{arg},\n" for arg in args)
    return f"{indent}{head}(\n{body}{indent}){tail}\n"


def _class_name(client: ClientSpec) -> str:
    return client.module.rsplit(".", 1)[1]


def _async_ref(client: ClientSpec, package: str) -> str:
    """The async class as the generated code names it (``tinkex.TrainingClient``)."""
    return package + client.module[len(client.module.split(".", 1)[0]) :]


def _alias_doc(target: str, gives: str) -> tuple[str, list[str]]:
    what = "its result" if gives == "result" else "its future (await that for the result)"
    return f"The official SDK's name of `{target}`.", [f"Awaiting it gives {what}."]


# -- tinkex/clients/official_names.py ----------------------------------------------------------


def render_official_names(manifest: Manifest, *, package: str) -> str:
    """Source of `clients/official_names.py`: a mixin per client with aliases."""
    blocks, exported = [], []
    used: set[str] = set()
    for client in manifest.clients.values():
        typed, runtime = _mixin_lines(client, package)
        if not typed and not runtime:
            continue
        name = f"{_class_name(client)}OfficialNames"
        exported.append(name)
        doc = docstring(
            f"The official SDK's names of `{client.module}` methods, and its old arguments",
            "    ",
            [
                f"Listed first among the bases of `{client.module}` (so a wrapper of a "
                "deprecated argument comes before the method it wraps)."
            ],
        )
        body = f"class {name}:\n{doc}\n"
        if typed:
            body += "    if TYPE_CHECKING:\n" + "".join(typed) + "    else:\n" + "".join(runtime)
        else:
            body += _dedent("".join(runtime))
        blocks.append(body)
        used |= {helper for helper in _HELPERS if f" = {helper}(" in body}
    listing = "".join(f'    "{n}",\n' for n in sorted(exported, key=sort_key))
    module_doc = docstring(
        "The official SDK's method names, mixed into the tinkex clients",
        "",
        [
            "From each method's ``aliases:`` and ``deprecated_args:`` in the manifest's "
            "``clients:`` section (see `tinkex.clients.aliasing` for how an alias works)."
        ],
    )
    helpers = _from_import(f"{package}.clients.aliasing", sorted(used, key=sort_key))
    imports = (
        "from __future__ import annotations\n\nfrom typing import TYPE_CHECKING\n\n"
        f"{helpers}\nif TYPE_CHECKING:\n    import {package}\n"
    )
    head = f"{HEADER}\n{module_doc}\n{imports}\n__all__ = [\n{listing}]\n\n\n"
    return head + "\n\n".join(blocks)


_HELPERS = ("AcceptsDeprecated", "Alias", "future_alias", "result_alias")


def _dedent(text: str) -> str:
    return "".join(line.removeprefix("    ") for line in text.splitlines(keepends=True))


def _mixin_lines(client: ClientSpec, package: str) -> tuple[list[str], list[str]]:
    """Lines of the ``TYPE_CHECKING`` branch and of the run-time branch (indent 8)."""
    typed: list[str] = []
    runtime: list[str] = []
    ref = _async_ref(client, package)
    for method_name, method in client.methods.items():
        for alias, gives in method.aliases.items():
            helper = "result_alias" if gives == "result" else "future_alias"
            typed.append(call_source(f"{alias} = {helper}", [f"{ref}.{method_name}"], " " * 8))
            runtime.append(
                call_source(
                    f"{alias} = Alias",
                    [render_value(method_name), render_value(gives)],
                    " " * 8,
                )
            )
        if method.deprecated_args:
            args = [f"{k}={render_value(v)}" for k, v in method.deprecated_args.items()]
            runtime.append(call_source(f"{method_name} = AcceptsDeprecated", args, " " * 8))
    return typed, runtime


# -- tinkex/sync/clients.py ---------------------------------------------------------------------


def _client_order(manifest: Manifest) -> list[str]:
    """Client keys so that each comes after the clients its methods return."""
    needs: dict[str, set[str]] = {}
    for key, client in manifest.clients.items():
        if client.kind != "client":
            continue
        needs[key] = set()
        for name, method in client.methods.items():
            returned = returned_client(manifest, method)
            if returned is None or method.static:
                continue
            if returned == key:
                raise ValueError(f"clients.{key}.methods.{name}: returns its own client")
            needs[key].add(returned)
    ordered: list[str] = []
    while len(ordered) < len(needs):
        ready = [k for k in needs if k not in ordered and needs[k] <= set(ordered)]
        if not ready:
            raise ValueError(f"clients return each other in a cycle: {sorted(needs)}")
        ordered.append(ready[0])
    return ordered


def _decorator(
    manifest: Manifest,
    method: ClientMethod,
    target: str,
    alias_gives: str | None = None,
    hooks: str = "",
) -> tuple[str, list[str]]:
    """The `tinkex.sync.methods` decorator of a method (or of one of its aliases)."""
    returned = returned_client(manifest, method)
    twin = None if returned is None else _class_name(manifest.clients[returned])
    if alias_gives == "future":
        return "future_async", [target]
    if alias_gives == "result":
        return ("awaited", [target]) if twin is None else ("awaited_client", [target, twin])
    if method.shape == "stream":
        return "streamed", [target]
    if method.static:
        return "constructor", [target]
    if method.shape == "immediate":
        return ("direct", [target]) if twin is None else ("direct_client", [target, twin])
    if twin is not None:
        return "blocking_client", [target, twin]
    sync = method.sync or ("future" if method.shape == "future" else "value")
    if sync != "future":
        return "blocking", [target]
    if method.check is None:
        return "as_future", [target]
    if not hooks:
        raise ValueError("a method's check names a hook, but its client declares no hooks")
    return "as_future", [target, f"check={hooks}.{method.check}"]


def _binding(method: ClientMethod) -> str:
    """What backs a method, for its docstring."""
    if method.endpoint is not None:
        return f"Backed by the ``{method.endpoint}`` endpoint."
    if method.flow is not None:
        return f"Runs the ``{method.flow}`` flow."
    if method.hook is not None:
        return f"Answered by the ``{method.hook}`` domain hook."
    raise ValueError("a method names one of endpoint, flow or hook")


def _method_source(head: str, args: list[str], name: str, doc: tuple[str, list[str]]) -> str:
    out = call_source(f"@{head}", args, "    ")
    # The stub only names and documents the method: the decorator replaces it.
    out += f"    def {name}(self) -> None:\n"
    return out + docstring(doc[0], "        ", doc[1])


def _hooks_ref(client: ClientSpec, package: str) -> str:
    """The client's hooks module under `package` (``sync/clients.py`` imports it whole)."""
    if not client.hooks:
        return ""
    return package + client.hooks[len(client.hooks.split(".", 1)[0]) :]


def _sync_class(manifest: Manifest, client: ClientSpec, package: str) -> tuple[str, set[str]]:
    name = _class_name(client)
    ref = _async_ref(client, package)
    hooks = _hooks_ref(client, package)
    used: set[str] = set()
    methods: list[str] = []
    for method_name, method in client.methods.items():
        target = f"{ref}.{method_name}"
        head, args = _decorator(manifest, method, target, hooks=hooks)
        if method.check is not None and head != "as_future":
            raise ValueError(
                f"{client.module}.{method_name}: check is for methods whose tinkex.sync face "
                "returns a future"
            )
        used.add(head)
        methods.append(_method_source(head, args, method_name, (method.doc, [_binding(method)])))
        for alias, gives in method.aliases.items():
            head, args = _decorator(manifest, method, target, gives)
            used.add(head)
            methods.append(_method_source(head, args, alias, _alias_doc(method_name, gives)))
    class_doc = docstring(
        client.doc,
        "    ",
        [
            f"The blocking twin of `{client.module}`: each method runs that client's method "
            "of the same name on `tinkex.sync`'s loop thread."
        ],
    )
    return f"class {name}({name}Base):\n{class_doc}\n" + "\n".join(methods), used


def render_sync_clients(manifest: Manifest, *, package: str) -> str:
    """Source of `sync/clients.py`: the blocking client classes."""
    classes, bases, helpers, checks = [], [], set(), set()
    for key in _client_order(manifest):
        client = manifest.clients[key]
        source, used = _sync_class(manifest, client, package)
        classes.append(source)
        bases.append(f"{_class_name(client)}Base")
        helpers |= used
        if any(method.check for method in client.methods.values()):
            checks.add(_hooks_ref(client, package))  # the module of the `check=` hooks
    exported = sorted((b.removesuffix("Base") for b in bases), key=sort_key)
    listing = "".join(f'    "{n}",\n' for n in exported)
    module_doc = docstring(
        "The blocking clients of `tinkex.sync`, one per client of the manifest",
        "",
        [
            "Each method runs the tinkex client's method of the same name on `tinkex.sync`'s "
            "loop thread, answering as the method's ``sync:`` and ``returns:`` say; the "
            "official SDK's ``*_async`` names are ``async`` methods (see `tinkex.sync.methods`)."
        ],
    )
    base_import = _from_import(f"{package}.sync.bases", sorted(bases, key=sort_key))
    helper_import = _from_import(f"{package}.sync.methods", sorted(helpers, key=sort_key))
    imports = "from __future__ import annotations\n\n"
    imports += f"import {package}\n" + "".join(f"import {m}\n" for m in sorted(checks))
    imports += f"{base_import}{helper_import}"
    head = f"{HEADER}\n{module_doc}\n{imports}\n__all__ = [\n{listing}]\n\n\n"
    return head + "\n\n".join(classes)


def _from_import(module: str, names: list[str]) -> str:
    line = f"from {module} import {', '.join(names)}"
    if len(line) <= _WIDTH:
        return line + "\n"
    return f"from {module} import (\n" + "".join(f"    {n},\n" for n in names) + ")\n"
