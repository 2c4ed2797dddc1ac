"""Checks of the manifest's `clients:` section: bindings, shapes, returned clients, aliases.

The generator turns each method into a method of ``tinkex.sync`` and each alias into a method
of both the tinkex and the ``tinkex.sync`` class, so a combination it cannot express is
refused here, naming the key and its line.
"""

from __future__ import annotations

import keyword
import re
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from tinkex.manifest.schema import ClientMethod, ClientSpec, Manifest
    from tinkex.manifest.yaml_source import KeyPath, SourceMap

__all__ = ["check_clients", "returned_client"]

_METHOD = re.compile(r"[a-z_][a-z0-9_]*")
_MODULE = re.compile(r"[a-z_][a-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)+")


def returned_client(manifest: Manifest, method: ClientMethod) -> str | None:
    """The client key a method's result is: its own ``returns``, else its flow's client."""
    if method.returns is not None:
        return method.returns
    if method.flow is not None:
        returns = manifest.flows[method.flow].returns
        return returns if returns in manifest.clients else None
    return None


def check_clients(manifest: Manifest, smap: SourceMap) -> None:
    """Check every client and method of the `clients:` section.

    Raises:
        ManifestError: The first bad entry, naming its key path and line.
    """
    for name, client in manifest.clients.items():
        path: KeyPath = ("clients", name)
        if not _MODULE.fullmatch(client.module):
            raise smap.error((*path, "module"), "module must look like 'tinkex.ClassName'")
        taken: set[str] = set(client.methods)
        for method_name, method in client.methods.items():
            method_path: KeyPath = (*path, "methods", method_name)
            if not _identifier(method_name):
                raise smap.error(method_path, f"bad method name {method_name!r}")
            _check_binding(manifest, client, method, method_path, smap)
            _check_shape(manifest, client, method, method_path, smap)
            for alias in method.aliases:
                if not _identifier(alias) or alias in taken:
                    raise smap.error(
                        (*method_path, "aliases", alias), f"alias {alias!r} is taken or not a name"
                    )
                taken.add(alias)
            for arg in method.deprecated_args:
                if not _identifier(arg):
                    raise smap.error((*method_path, "deprecated_args", arg), "not a parameter name")


def _identifier(name: str) -> bool:
    return bool(_METHOD.fullmatch(name)) and not keyword.iskeyword(name)


def _check_binding(
    manifest: Manifest, client: ClientSpec, method: ClientMethod, path: KeyPath, smap: SourceMap
) -> None:
    bindings = len([b for b in (method.endpoint, method.flow, method.hook) if b is not None])
    if client.kind == "future" and bindings:
        raise smap.error(path, "a future's method waits on its request: no endpoint, flow, hook")
    if client.kind == "client" and bindings != 1:
        raise smap.error(path, "a method names exactly one of endpoint, flow or hook")
    if method.endpoint is not None and method.endpoint not in manifest.endpoints:
        raise smap.error((*path, "endpoint"), f"unknown endpoint {method.endpoint!r}")
    if method.flow is not None and method.flow not in manifest.flows:
        raise smap.error((*path, "flow"), f"unknown flow {method.flow!r}")
    returns = method.returns
    if returns is not None and manifest.clients.get(returns, None) is None:
        raise smap.error((*path, "returns"), f"unknown client {returns!r}")
    if returns is not None and manifest.clients[returns].kind != "client":
        raise smap.error((*path, "returns"), f"{returns!r} is not a client")


def _check_shape(
    manifest: Manifest, client: ClientSpec, method: ClientMethod, path: KeyPath, smap: SourceMap
) -> None:
    returns = returned_client(manifest, method)
    if method.sync == "future" and returns is not None:
        raise smap.error((*path, "sync"), "a method returning a client answers with the client")
    if method.shape == "stream" and (method.sync is not None or returns is not None):
        raise smap.error((*path, "shape"), "a stream yields values: no sync, no returns")
    if method.static and (method.shape != "immediate" or returns is None):
        raise smap.error((*path, "static"), "a static method is an immediate client constructor")
    for alias, gives in method.aliases.items():
        if gives == "future" and method.shape != "future":
            raise smap.error((*path, "aliases", alias), "only a future method has a future")
        if method.shape in ("stream", "immediate") or method.static:
            raise smap.error((*path, "aliases", alias), f"a {method.shape} method has no alias")
    if client.kind == "future" and (method.returns is not None or method.deprecated_args):
        raise smap.error(path, "a future's method takes no returns or deprecated_args")
