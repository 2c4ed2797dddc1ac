"""The typed model of `tinker.yaml`: frozen Structs that reject unknown keys.

Feature blocks live in `tinkex.manifest.features`. Cross references (endpoint → type,
endpoint → feature, flow → endpoint/client...) are checked by `tinkex.manifest.validate`.
"""

from __future__ import annotations

from typing import Any, Literal

import msgspec

from tinkex.manifest.features import Feature
from tinkex.ports.transport import PoolKind

__all__ = [
    "AuthSpec",
    "BaseUrlSpec",
    "ClientMethod",
    "ClientSpec",
    "EndpointDef",
    "EnvVarSpec",
    "ErrorsSpec",
    "FieldSpec",
    "FlowDef",
    "FlowStep",
    "FutureDef",
    "JsonEraRequest",
    "JsonEraSpec",
    "Manifest",
    "QueryParam",
    "ServiceSpec",
    "StateField",
    "TypeDef",
]

HttpMethod = Literal["GET", "POST", "PUT", "DELETE", "PATCH"]
TypeGroup = Literal[
    "common",
    "config",
    "futures",
    "model_input",
    "rest",
    "sampling",
    "sessions",
    "telemetry",
    "training",
    "weights",
]


class _Strict(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """Base of every manifest Struct: frozen, keyword-only, unknown keys rejected."""


class BaseUrlSpec(_Strict, frozen=True, kw_only=True):
    """Default base URL and the environment variable that overrides it."""

    default: str
    env: str


class AuthSpec(_Strict, frozen=True, kw_only=True):
    """How the credential is read and sent.

    Attributes:
        header: The request header carrying the API key.
        env: The environment variable holding the API key.
        prefix: What every API key starts with (the part that may be shown).
        jwt_prefix: What a JWT given instead of an API key starts with.
    """

    header: str
    env: str
    prefix: str
    jwt_prefix: str = "eyJ"


class EnvVarSpec(_Strict, frozen=True, kw_only=True):
    """One environment variable the configuration reads, keyed by the setting it fills.

    Attributes:
        name: The variable's name.
        default: Value assumed when the variable is unset.
        header: The request header the value is sent in, when it is sent as one.
    """

    name: str
    doc: str
    default: str | None = None
    header: str | None = None


class JsonEraRequest(_Strict, frozen=True, kw_only=True):
    """How one request type is written for a JSON-era server.

    Attributes:
        fields: The fields the JSON-era SDK knows. Any other field is left out when it asks
            for nothing (None, False or its default) and refused before sending otherwise.
        send_null: Fields of `fields` the JSON-era SDK always sends, as ``null`` when None.
    """

    fields: list[str]
    send_null: list[str] = msgspec.field(default_factory=list)


class JsonEraSpec(_Strict, frozen=True, kw_only=True):
    """How tinkex talks to a server of the JSON era (no ``client/config``: SDK 0.16.1).

    Attributes:
        doc: What the era is.
        sdk_version: The release whose requests tinkex then sends (``sdk_version`` fields,
            ``X-Stainless-Package-Version``).
        sdk_method_headers: Whether ``x-sdk-version`` / ``x-sdk-method`` are sent.
        requests: Request types written differently (no ``type`` tag is ever sent).
    """

    doc: str = ""
    sdk_version: str
    sdk_method_headers: bool
    requests: dict[str, JsonEraRequest]


class ServiceSpec(_Strict, frozen=True, kw_only=True):
    """The service: where it lives, how requests identify and authenticate themselves.

    Attributes:
        doc: What the service is (the docstring of the generated module).
        env: The other environment variables, keyed by the `TinkexConfig` field they set.
        sdk_version: The official SDK release whose wire tinkex speaks.
        user_agent: The ``User-Agent`` header; ``{sdk_version}`` is replaced.
        json_era: How requests differ on a server of the JSON era.
    """

    doc: str = ""
    base_url: BaseUrlSpec
    auth: AuthSpec
    env: dict[str, EnvVarSpec]
    sdk_version: str
    user_agent: str
    json_era: JsonEraSpec


class FutureDef(_Strict, frozen=True, kw_only=True):
    """The endpoint answers with a future that resolves to `result`."""

    result: str
    request_type: str


class QueryParam(_Strict, frozen=True, kw_only=True):
    """One query-string parameter of an endpoint.

    Attributes:
        type: A type expression (``int``, ``string?``, ``literal[owned,accessible]``).
        default: Default value; absent means required (unless the type is optional).
    """

    type: str
    default: Any = msgspec.UNSET
    doc: str = ""


class EndpointDef(_Strict, frozen=True, kw_only=True):
    """One HTTP endpoint.

    Attributes:
        path_params: Names of ``{params}`` in `path`; values are inserted verbatim (a
            checkpoint id such as ``weights/ckpt`` keeps its slash).
        request: Request body type; None for endpoints without a body.
        response: Response type; None when the response body is ignored (``EmptyResponse``).
    """

    doc: str
    method: HttpMethod
    path: str
    path_params: list[str] = msgspec.field(default_factory=list)
    query: dict[str, QueryParam] = msgspec.field(default_factory=dict)
    request: str | None = None
    response: str | None = None
    body: Literal["json", "protobuf", "none"] = "json"
    accept: Literal["json", "protobuf"] = "json"
    future: FutureDef | None = None
    pool: PoolKind
    max_retries: int = 10
    timeout_s: float = 60.0
    headers: dict[str, str] = msgspec.field(default_factory=dict)
    features: list[str] = msgspec.field(default_factory=list)
    streaming: bool = False
    idempotent: bool = True


class StateField(_Strict, frozen=True, kw_only=True):
    """A value a client carries (session id, model id...) and where it comes from."""

    type: str
    doc: str = ""
    source: str = ""


class ClientMethod(_Strict, frozen=True, kw_only=True):
    """A public client method: backed by exactly one endpoint or one flow.

    Attributes:
        json_era_flow: The flow that runs instead on a server of the JSON era, when that
            server needs other steps.
    """

    endpoint: str | None = None
    flow: str | None = None
    json_era_flow: str | None = None
    doc: str = ""


class ClientSpec(_Strict, frozen=True, kw_only=True):
    """A public client class and its methods."""

    module: str
    doc: str = ""
    state: dict[str, StateField] = msgspec.field(default_factory=dict)
    methods: dict[str, ClientMethod] = msgspec.field(default_factory=dict)


class FlowStep(_Strict, frozen=True, kw_only=True):
    """One step of a flow; exactly one of the four actions is set."""

    call: str | None = None
    await_future: str | None = None
    build_client: str | None = None
    hook: str | None = None
    args: dict[str, str] = msgspec.field(default_factory=dict)
    doc: str = ""


class FlowDef(_Strict, frozen=True, kw_only=True):
    """A multi-step client operation."""

    client: str
    doc: str
    params: dict[str, str] = msgspec.field(default_factory=dict)
    returns: str
    steps: list[FlowStep]


class ErrorsSpec(_Strict, frozen=True, kw_only=True):
    """How HTTP statuses map onto `tinkex.errors` classes, and which are retryable.

    Attributes:
        status: Class name per status (a listed 5xx overrides `server_error`).
        server_error: Class name of every other 5xx.
        default: Class name of every other status.
        retryable_status: Statuses retried by default.
        retry_server_errors: Whether every 5xx is retried by default too.
    """

    status: dict[int, str]
    server_error: str
    default: str
    retryable_status: list[int]
    retry_server_errors: bool = True


class FieldSpec(_Strict, frozen=True, kw_only=True):
    """One field of a type (long form; the short form is just the type expression).

    Attributes:
        default: Default value; absent means required (or None if the type ends in ``?``).
    """

    type: str
    default: Any = msgspec.UNSET
    doc: str = ""


class TypeDef(_Strict, frozen=True, kw_only=True):
    """One wire type.

    Attributes:
        kind: ``struct`` (fields), ``union`` (tagged `variants`), ``enum`` (string `values`).
        tag_field: Discriminator key for tagged structs (``type``, ``state``, ``event``).
        tag: This struct's discriminator value.
        mixin: ``module:Class`` of a hand-written mixin the generated class inherits.
    """

    group: TypeGroup
    doc: str = ""
    kind: Literal["struct", "union", "enum"] = "struct"
    fields: dict[str, str | FieldSpec] = msgspec.field(default_factory=dict)
    tag_field: str | None = None
    tag: str | None = None
    variants: list[str] = msgspec.field(default_factory=list)
    values: list[str] = msgspec.field(default_factory=list)
    mixin: str | None = None


class Manifest(_Strict, frozen=True, kw_only=True):
    """The whole manifest."""

    schema_version: Literal[1]
    service: ServiceSpec
    features: dict[str, Feature]
    endpoints: dict[str, EndpointDef]
    clients: dict[str, ClientSpec]
    flows: dict[str, FlowDef]
    errors: ErrorsSpec
    types: dict[str, TypeDef]
