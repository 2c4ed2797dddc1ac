"""Render the manifest's `errors:` and `service:` sections as modules of plain constants.

`tinkex.errors`, `tinkex.config`, `tinkex.version`, the request headers and the idempotency
keys need a handful of manifest values at import time, and `tinkex.errors` is the leaf every
other module imports. So the values are generated into modules that import nothing, rather
than read from the loaded manifest at run time:

    <package>/domain/error_table.py     status -> error class name, the retryable statuses
    <package>/domain/service_spec.py    base URL, credentials, user agent, environment, keys
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import msgspec

from tinkex.manifest.features import RetryPolicyFeature
from tinkex.manifest.gen_types import sort_key
from tinkex.manifest.pysource import HEADER, docstring, render_value

if TYPE_CHECKING:
    from tinkex.manifest.schema import Manifest

__all__ = ["ERROR_TABLE_MODULE", "SERVICE_SPEC_MODULE", "render_error_table", "render_service"]

ERROR_TABLE_MODULE = "domain/error_table.py"
"""Where `render_error_table`'s output goes, relative to the package directory."""
SERVICE_SPEC_MODULE = "domain/service_spec.py"
"""Where `render_service`'s output goes, relative to the package directory."""


def _module(module_doc: str, constants: list[tuple[str, str, str]]) -> str:
    """A module of `(name, source of the value, docstring)` constants, in that order."""
    listing = "".join(f'    "{name}",\n' for name, _, _ in sorted(constants, key=_by_name))
    body = "".join(f"{name} = {value}\n{docstring(text, '')}" for name, value, text in constants)
    return f"{HEADER}\n{module_doc}\n__all__ = [\n{listing}]\n\n{body}"


def _by_name(constant: tuple[str, str, str]) -> tuple[int, str, str]:
    return sort_key(constant[0])


def render_error_table(manifest: Manifest) -> str:
    """Source of `domain/error_table.py`: the `errors:` section.

    Class *names*, not classes: `tinkex.errors` imports this module to build its table.
    """
    spec = manifest.errors
    rows = "".join(f"    {status}: {render_value(name)},\n" for status, name in spec.status.items())
    doc = docstring(
        "Which `tinkex.errors` class each HTTP status raises.",
        "",
        [
            "The manifest's ``errors:`` section. `tinkex.errors` imports this module, so it "
            "imports nothing and names classes instead of holding them."
        ],
    )
    return _module(
        doc,
        [
            (
                "STATUS_ERRORS",
                "{\n" + rows + "}" if rows else "{}",
                "Error class name per listed status (a listed 5xx overrides SERVER_ERROR).",
            ),
            ("SERVER_ERROR", render_value(spec.server_error), "Class name of any other 5xx."),
            ("DEFAULT_ERROR", render_value(spec.default), "Class name of any other status."),
        ],
    )


def _idempotency(manifest: Manifest) -> tuple[str, str]:
    """(header, prefix) of the idempotency keys: the retry policy's, or its defaults.

    Validation makes every retry_policy block agree, so the first one speaks for all.
    """
    for feature in manifest.features.values():
        if isinstance(feature, RetryPolicyFeature):
            return feature.idempotency_header, feature.idempotency_prefix
    defaults = {f.name: f.default for f in msgspec.structs.fields(RetryPolicyFeature)}
    return str(defaults["idempotency_header"]), str(defaults["idempotency_prefix"])


def _frozenset(names: list[str]) -> str:
    """``frozenset([...]),`` as a tuple item at depth 2, wrapped the way ruff formats it."""
    line = f"        frozenset({render_value(names)}),\n"
    if len(line) <= 101:  # 100 characters and the newline
        return line
    items = "".join(f"                {render_value(name)},\n" for name in names)
    return f"        frozenset(\n            [\n{items}            ]\n        ),\n"


def render_service(manifest: Manifest) -> str:
    """Source of `domain/service_spec.py`: the `service:` section and the idempotency keys."""
    service = manifest.service
    auth = service.auth
    constants = [
        (
            "SDK_VERSION",
            render_value(service.sdk_version),
            "The official SDK release whose wire tinkex speaks (sent as ``sdk_version``).",
        ),
        (
            "USER_AGENT",
            render_value(service.user_agent),
            "The ``User-Agent`` header, with ``{sdk_version}`` to fill in.",
        ),
        ("DEFAULT_BASE_URL", render_value(service.base_url.default), "The service's URL."),
        ("BASE_URL_ENV", render_value(service.base_url.env), "Overrides DEFAULT_BASE_URL."),
        ("API_KEY_ENV", render_value(auth.env), "Holds the API key (or a JWT)."),
        ("API_KEY_HEADER", render_value(auth.header), "The header the credential is sent in."),
        ("API_KEY_PREFIX", render_value(auth.prefix), "What every API key starts with."),
        ("JWT_PREFIX", render_value(auth.jwt_prefix), "What a JWT given as the key starts with."),
    ]
    for setting, variable in service.env.items():
        stem = setting.upper()
        constants.append((f"{stem}_ENV", render_value(variable.name), variable.doc))
        if variable.default is not None:
            constants.append(
                (
                    f"{stem}_ENV_DEFAULT",
                    render_value(variable.default),
                    f"When {stem}_ENV is unset.",
                )
            )
        if variable.header is not None:
            constants.append(
                (f"{stem}_HEADER", render_value(variable.header), f"Sends {stem}_ENV's value.")
            )
    era = service.json_era
    rules = "".join(
        f"    {render_value(name)}: (\n"
        f"{_frozenset(rule.fields)}"
        f"{_frozenset(rule.send_null)}"
        "    ),\n"
        for name, rule in era.requests.items()
    )
    constants += [
        (
            "JSON_ERA_SDK_VERSION",
            render_value(era.sdk_version),
            f"The release whose requests go to a JSON-era server. {era.doc}".strip(),
        ),
        (
            "JSON_ERA_SDK_METHOD_HEADERS",
            render_value(era.sdk_method_headers),
            "Whether x-sdk-version / x-sdk-method go to a JSON-era server.",
        ),
        (
            "JSON_ERA_REQUESTS",
            "{\n" + rules + "}",
            "Per request type: (the fields the JSON era knows, those it sends as null).",
        ),
    ]
    header, prefix = _idempotency(manifest)
    constants += [
        ("IDEMPOTENCY_HEADER", render_value(header), "Carries one logical request's key."),
        (
            "IDEMPOTENCY_PREFIX",
            render_value(prefix),
            "Starts every idempotency key (the retry policy's ``idempotency_prefix``).",
        ),
    ]
    doc = docstring(
        f"{service.doc.rstrip('.') or 'The service'}: where it lives and how requests identify "
        "themselves.",
        "",
        [
            "The manifest's ``service:`` section (and the retry policy's idempotency key "
            "format) as constants, for the modules that must not load the manifest: "
            "`tinkex.config`, `tinkex.version`, the request headers and the idempotency keys."
        ],
    )
    return _module(doc, constants)
