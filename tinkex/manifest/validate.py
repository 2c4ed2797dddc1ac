"""Cross-reference checks on a parsed manifest (types, features, endpoints, flows, errors)."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

import msgspec

from tinkex import errors as error_module
from tinkex.manifest.features import BatchFuturesFeature, FuturesFeature, RetryPolicyFeature
from tinkex.manifest.schema import FieldSpec
from tinkex.manifest.typeexpr import BUILTINS, TypeExprError, parse_type
from tinkex.manifest.validate_clients import check_clients

if TYPE_CHECKING:
    from tinkex.manifest.schema import EndpointDef, FlowStep, Manifest, TypeDef
    from tinkex.manifest.yaml_source import KeyPath, SourceMap

__all__ = ["validate_manifest"]

_ENDPOINT_NAME = re.compile(r"[a-z][a-z0-9_]*\.[a-z][a-z0-9_]*")
_IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_PLACEHOLDER = re.compile(r"\{([^{}]*)\}")
_SETTING = re.compile(r"[a-z][a-z0-9_]*")
_NEWTYPE_BASES = frozenset({"string", "int", "float", "bool"})
_MIXIN = re.compile(r"[a-z_][a-z0-9_.]*:[A-Za-z_][A-Za-z0-9_]*")


def validate_manifest(manifest: Manifest, smap: SourceMap) -> None:
    """Check every reference in the manifest.

    Args:
        manifest: The parsed manifest.
        smap: Where each key path lives, for error messages.

    Raises:
        ManifestError: The first bad reference, naming its key path and line.
    """
    _check_types(manifest, smap)
    for name, endpoint in manifest.endpoints.items():
        _check_endpoint(manifest, name, endpoint, ("endpoints", name), smap)
    _check_features(manifest, smap)
    check_clients(manifest, smap)
    _check_flows(manifest, smap)
    _check_errors(manifest, smap)
    _check_service(manifest, smap)
    _check_idempotency(manifest, smap)


def _check_type_expr(manifest: Manifest, text: str, path: KeyPath, smap: SourceMap) -> None:
    try:
        expr = parse_type(text)
    except TypeExprError as exc:
        raise smap.error(path, str(exc)) from None
    for name in sorted(expr.names()):
        if name not in manifest.types:
            raise smap.error(path, f"unknown type {name!r}")


def _check_types(manifest: Manifest, smap: SourceMap) -> None:
    for name, typedef in manifest.types.items():
        path: KeyPath = ("types", name)
        if not _IDENT.fullmatch(name) or name in BUILTINS:
            raise smap.error(path, f"bad type name {name!r}")
        if typedef.tag is not None and typedef.tag_field is None:
            raise smap.error((*path, "tag"), "tag needs a tag_field")
        if typedef.mixin is not None and not _MIXIN.fullmatch(typedef.mixin):
            raise smap.error((*path, "mixin"), "mixin must look like 'package.module:Class'")
        for field_name, spec in typedef.fields.items():
            text = spec.type if isinstance(spec, FieldSpec) else spec
            field_path = (*path, "fields", field_name)
            if not _IDENT.fullmatch(field_name):
                raise smap.error(field_path, f"bad field name {field_name!r}")
            _check_type_expr(manifest, text, field_path, smap)
            if isinstance(spec, FieldSpec):
                _check_field_views(manifest, spec, field_path, smap)
        _check_type_kind(manifest, name, typedef, path, smap)


def _check_field_views(manifest: Manifest, spec: FieldSpec, path: KeyPath, smap: SourceMap) -> None:
    if spec.reads:
        _check_type_expr(manifest, spec.reads, (*path, "reads"), smap)
    if spec.accepts:
        _check_type_expr(manifest, spec.accepts, (*path, "accepts"), smap)


def _check_type_kind(
    manifest: Manifest, name: str, typedef: TypeDef, path: KeyPath, smap: SourceMap
) -> None:
    if typedef.kind == "enum" and not typedef.values:
        raise smap.error((*path, "values"), "an enum needs values")
    if (typedef.kind in ("alias", "newtype", "external")) != bool(typedef.type):
        raise smap.error((*path, "type"), "alias, newtype and external types (only) need a type")
    if typedef.kind == "external" and not _MIXIN.fullmatch(typedef.type):
        raise smap.error((*path, "type"), "an external type is 'package.module:Name'")
    if typedef.kind == "alias":
        _check_type_expr(manifest, typedef.type, (*path, "type"), smap)
    if typedef.kind == "newtype" and typedef.type not in _NEWTYPE_BASES:
        raise smap.error((*path, "type"), f"a newtype is over one of {sorted(_NEWTYPE_BASES)}")
    if typedef.kind != "union":
        return
    if not typedef.variants:
        raise smap.error((*path, "variants"), "a union needs variants")
    tag_fields = set()
    for index, variant in enumerate(typedef.variants):
        target = manifest.types.get(variant)
        if target is None or target.kind != "struct" or target.tag is None:
            raise smap.error((*path, "variants", index), f"{variant!r} is not a tagged struct type")
        tag_fields.add(target.tag_field)
    if len(tag_fields) != 1:
        raise smap.error((*path, "variants"), f"variants of {name} use different tag fields")


def _check_endpoint(
    manifest: Manifest, name: str, endpoint: EndpointDef, path: KeyPath, smap: SourceMap
) -> None:
    if not _ENDPOINT_NAME.fullmatch(name):
        raise smap.error(path, "endpoint names look like '<resource>.<operation>'")
    if not endpoint.path.startswith("/"):
        raise smap.error((*path, "path"), "path must start with '/'")
    placeholders = _PLACEHOLDER.findall(endpoint.path)
    for index, param in enumerate(endpoint.path_params):
        if param not in placeholders:
            raise smap.error((*path, "path_params", index), f"{param!r} is not in the path")
    for param in placeholders:
        if param not in endpoint.path_params:
            raise smap.error((*path, "path"), f"path parameter {{{param}}} is not declared")
    for key in ("request", "response"):
        type_name = getattr(endpoint, key)
        if type_name is not None and type_name != "raw" and type_name not in manifest.types:
            raise smap.error((*path, key), f"unknown type {type_name!r}")
    if (endpoint.request is None) != (endpoint.body == "none"):
        raise smap.error((*path, "body"), "body must be 'none' exactly when there is no request")
    request_def = manifest.types.get(endpoint.request or "")
    if endpoint.body == "multipart" and (request_def is None or request_def.kind != "struct"):
        raise smap.error((*path, "body"), "a multipart body is built from a struct's fields")
    if endpoint.future is not None and endpoint.future.result not in manifest.types:
        raise smap.error((*path, "future", "result"), f"unknown type {endpoint.future.result!r}")
    for index, feature in enumerate(endpoint.features):
        if feature not in manifest.features:
            raise smap.error((*path, "features", index), f"unknown feature {feature!r}")
    for param, spec in endpoint.query.items():
        _check_type_expr(manifest, spec.type, (*path, "query", param, "type"), smap)


def _check_endpoint_ref(
    manifest: Manifest, ref: str | None, path: KeyPath, smap: SourceMap
) -> None:
    if ref is not None and ref not in manifest.endpoints:
        raise smap.error(path, f"unknown endpoint {ref!r}")


def _check_features(manifest: Manifest, smap: SourceMap) -> None:
    for name, feature in manifest.features.items():
        path: KeyPath = ("features", name)
        if isinstance(feature, FuturesFeature):
            _check_endpoint_ref(
                manifest, feature.retrieve_endpoint, (*path, "retrieve_endpoint"), smap
            )
            _check_endpoint_ref(manifest, feature.cancel_endpoint, (*path, "cancel_endpoint"), smap)
            for index, type_name in enumerate(feature.protobuf_results):
                if type_name not in manifest.types:
                    raise smap.error((*path, "protobuf_results", index), "unknown type")
        if isinstance(feature, BatchFuturesFeature):
            _check_endpoint_ref(
                manifest, feature.retrieve_endpoint, (*path, "retrieve_endpoint"), smap
            )


def _check_flows(manifest: Manifest, smap: SourceMap) -> None:
    for name, flow in manifest.flows.items():
        path: KeyPath = ("flows", name)
        if flow.client not in manifest.clients:
            raise smap.error((*path, "client"), f"unknown client {flow.client!r}")
        for index, step in enumerate(flow.steps):
            step_path: KeyPath = (*path, "steps", index)
            actions = {
                key: value
                for key, value in msgspec.structs.asdict(step).items()
                if key in ("call", "await_future", "build_client", "hook") and value is not None
            }
            if len(actions) != 1:
                raise smap.error(step_path, "a step has exactly one action: " + _ACTIONS)
            _check_step(manifest, step, step_path, smap)


_ACTIONS = "call, await_future, build_client or hook"


def _check_step(manifest: Manifest, step: FlowStep, path: KeyPath, smap: SourceMap) -> None:
    for key, call in (("call", step.call), ("json_era_call", step.json_era_call)):
        if call is not None and call not in manifest.endpoints and call not in manifest.flows:
            raise smap.error((*path, key), f"unknown endpoint or flow {call!r}")
    if step.json_era_call is not None and step.call is None:
        raise smap.error((*path, "json_era_call"), "an era's alternative replaces a call")
    if step.await_future is not None and step.await_future not in manifest.types:
        raise smap.error((*path, "await_future"), f"unknown type {step.await_future!r}")
    if step.build_client is not None and step.build_client not in manifest.clients:
        raise smap.error((*path, "build_client"), f"unknown client {step.build_client!r}")
    if step.hook is not None and not _IDENT.fullmatch(step.hook):
        raise smap.error((*path, "hook"), "a hook is a Python identifier")


def _check_errors(manifest: Manifest, smap: SourceMap) -> None:
    spec = manifest.errors
    names: dict[tuple[str | int, ...], str] = {
        ("status", str(status)): cls for status, cls in spec.status.items()
    }
    names[("server_error",)] = spec.server_error
    names[("default",)] = spec.default
    for sub, class_name in names.items():
        target = getattr(error_module, class_name, None)
        if not (isinstance(target, type) and issubclass(target, error_module.APIStatusError)):
            raise smap.error(("errors", *sub), f"{class_name!r} is not a status error class")
    for status in spec.status:
        if not 400 <= status <= 599:
            raise smap.error(("errors", "status", str(status)), "not an error status (400-599)")


def _check_service(manifest: Manifest, smap: SourceMap) -> None:
    service = manifest.service
    try:
        service.user_agent.format(sdk_version=service.sdk_version)
    except (KeyError, IndexError, ValueError):
        raise smap.error(
            ("service", "user_agent"), "the only placeholder allowed is {sdk_version}"
        ) from None
    for role in service.env:
        if not _SETTING.fullmatch(role):
            raise smap.error(("service", "env", role), "keys name a setting: lower_snake_case")
    for name, request in service.json_era.requests.items():
        path: KeyPath = ("service", "json_era", "requests", name)
        typedef = manifest.types.get(name)
        if typedef is None or typedef.kind != "struct":
            raise smap.error(path, f"{name!r} is not a struct type")
        for key, names in (("fields", request.fields), ("send_null", request.send_null)):
            for index, field_name in enumerate(names):
                if field_name not in typedef.fields:
                    raise smap.error((*path, key, index), f"{name} has no field {field_name!r}")
        for index, field_name in enumerate(request.send_null):
            if field_name not in request.fields:
                raise smap.error((*path, "send_null", index), f"{field_name!r} is not in fields")


def _check_idempotency(manifest: Manifest, smap: SourceMap) -> None:
    """Every request carries the same kind of idempotency key, so the blocks must agree."""
    seen: tuple[str, str] | None = None
    for name, feature in manifest.features.items():
        if not isinstance(feature, RetryPolicyFeature):
            continue
        pair = (feature.idempotency_header, feature.idempotency_prefix)
        if seen is not None and pair != seen:
            raise smap.error(
                ("features", name, "idempotency_prefix"),
                "every retry_policy block must use the same idempotency header and prefix",
            )
        seen = pair
