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
    "AliasResult",
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
    "MethodShape",
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
    body: Literal["json", "protobuf", "multipart", "none"] = "json"
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
    """A value the generated methods of a client read (``${state.<name>}``).

    Attributes:
        type: Its Python annotation (documentation of the generated code's inputs).
        attr: Where it lives on the client: a dotted attribute path read as ``self.<attr>``
            (default ``_<name>``).
        hook: A hook of the client that computes it instead (awaited if it is async),
            called with `args`.
        args: The hook's arguments (``${...}`` expressions or literals).
    """

    type: str
    doc: str = ""
    attr: str = ""
    hook: str | None = None
    args: dict[str, Any] = msgspec.field(default_factory=dict)


MethodShape = Literal["awaitable", "future", "immediate", "stream"]
"""How a tinkex method answers: ``awaitable`` (an ``async def``), ``future`` (an `APIFuture`
returned at once, the request queued at call time), ``immediate`` (a plain value, no request
waited for) or ``stream`` (an async iterator)."""
AliasResult = Literal["result", "future"]
"""What awaiting an official ``*_async`` alias gives: the method's ``result``, or its ``future``."""


class ClientMethod(_Strict, frozen=True, kw_only=True):
    """A public client method: backed by one endpoint, one flow, or one domain hook.

    Attributes:
        endpoint: The endpoint it calls (one request, arguments from `args`).
        flow: The flow it runs (its parameters are the flow's unless `params` says).
        hook: The hand-written domain hook that answers it (called with `args`).
        params: Positional-or-keyword parameters: name -> ``"<annotation>"`` or
            ``"<annotation> = <default>"`` (Python source, names from the client's
            ``imports``).
        kwonly: Keyword-only parameters, written the same way.
        result: The Python annotation of what the method returns (default: the endpoint's
            response type, the flow's ``returns``).
        args: For an endpoint: request fields, path and query parameters and ``headers``;
            for a hook: its keyword arguments. Values are ``${input.x}``, ``${state.x}``,
            ``${self}`` or literals; an endpoint method with no ``args`` passes every
            parameter under its own name.
        shape: How the tinkex (async) method answers (`MethodShape`).
        sync: What ``tinkex.sync``'s blocking method returns: ``value`` (it waits) or
            ``future`` (a blocking future at once); default ``future`` for a ``future``
            method, ``value`` otherwise, as the official SDK's sync names do.
        returns: The client (a key of ``clients``) the result is; ``tinkex.sync`` waits for
            it and answers with its blocking twin. A flow's method defaults to the flow's
            ``returns``.
        static: A static constructor (a class method: ``${self}`` is the class).
        aliases: The official SDK's other names of the method (``*_async``) and what
            awaiting each gives; generated as methods of the tinkex and ``tinkex.sync``
            classes.
        deprecated_args: Parameters the official SDK still accepts and ignores, with why;
            accepted (first, in this order) and ignored with a DeprecationWarning.
        check: A hook that checks the method's arguments alone (same parameters, no client,
            no event loop; raises `ValidationError`). ``tinkex.sync`` runs it in the caller's
            thread and then starts the method without waiting for its loop thread, so a
            blocking future costs no round trip; the method still checks on the loop.
    """

    endpoint: str | None = None
    flow: str | None = None
    hook: str | None = None
    params: dict[str, str] = msgspec.field(default_factory=dict)
    kwonly: dict[str, str] = msgspec.field(default_factory=dict)
    result: str = ""
    args: dict[str, Any] = msgspec.field(default_factory=dict)
    doc: str = ""
    shape: MethodShape = "awaitable"
    sync: Literal["value", "future"] | None = None
    returns: str | None = None
    static: bool = False
    aliases: dict[str, AliasResult] = msgspec.field(default_factory=dict)
    deprecated_args: dict[str, str] = msgspec.field(default_factory=dict)
    check: str | None = None


class ClientSpec(_Strict, frozen=True, kw_only=True):
    """A public client class and its methods.

    Attributes:
        module: ``tinkex.<Class>``: where users find the class.
        kind: ``client``, or ``future`` for the future class the clients' methods return
            (only its aliases are generated; ``tinkex.sync`` has its own blocking future).
        core: ``module:Class`` of the hand-written base of the generated class: its
            construction, lifecycle and state (its docstring becomes the class's).
        hooks: The module of the client's hand-written domain hooks: every public function
            of it is referenced by the manifest, and every hook referenced is in it.
        imports: Where the names of the signatures' annotations come from: name -> module.
        state: What the generated methods read from a client (``${state.<name>}``).
    """

    module: str
    kind: Literal["client", "future"] = "client"
    doc: str = ""
    core: str = ""
    hooks: str = ""
    imports: dict[str, str] = msgspec.field(default_factory=dict)
    state: dict[str, StateField] = msgspec.field(default_factory=dict)
    methods: dict[str, ClientMethod] = msgspec.field(default_factory=dict)


class FlowStep(_Strict, frozen=True, kw_only=True):
    """One step of a flow; exactly one of the four actions is set.

    Attributes:
        call: An endpoint (one request) or another flow of the same client.
        json_era_call: What the step calls instead on a server of the JSON era (the client's
            ``json_era`` state says which era the server is of), with the same `args`.
        await_future: The type the previous call's server future resolves to.
        build_client: A client (a key of ``clients``) built with `args`.
        hook: A domain hook of the flow's client, called with `args`.
        args: Arguments: ``${input.x}``, ``${state.x}``, ``${result.x}`` (the previous
            step's value), ``${<into>.x}`` (a named step's value), ``${self}``, or literals.
        into: A name later steps read this step's value by.
        doc: Why the step is there (a comment in the generated code).
    """

    call: str | None = None
    json_era_call: str | None = None
    await_future: str | None = None
    build_client: str | None = None
    hook: str | None = None
    args: dict[str, Any] = msgspec.field(default_factory=dict)
    into: str = ""
    doc: str = ""


class FlowDef(_Strict, frozen=True, kw_only=True):
    """A multi-step client operation, compiled into a private method of its client.

    Attributes:
        client: The client whose generated class gets the flow (``_flow_<name>``).
        doc: What the flow does (the private method's docstring).
        params: Its parameters, written as a method's ``params``.
        kwonly: Its keyword-only parameters.
        returns: A client key (the flow answers with that client) or a Python annotation.
        result: What the flow answers (default ``${result}``: the last step's value; null:
            nothing).
        steps: What it does, in order.
    """

    client: str
    doc: str
    params: dict[str, str] = msgspec.field(default_factory=dict)
    kwonly: dict[str, str] = msgspec.field(default_factory=dict)
    returns: str
    result: str | None = "${result}"
    steps: list[FlowStep]


class ErrorsSpec(_Strict, frozen=True, kw_only=True):
    """How HTTP statuses map onto `tinkex.errors` classes.

    Which statuses are retried is each retry block's `retry_status` (features), not this.

    Attributes:
        status: Class name per status (a listed 5xx overrides `server_error`).
        server_error: Class name of every other 5xx.
        default: Class name of every other status.
    """

    status: dict[int, str]
    server_error: str
    default: str


class FieldSpec(_Strict, frozen=True, kw_only=True):
    """One field of a type (long form; the short form is just the type expression).

    Attributes:
        type: The field's type: what is decoded, and its annotation at run time.
        default: Default value; absent means required (or None if the type ends in ``?``).
        reads: What the field holds once constructed (its static type), when a mixin's
            ``__post_init__`` normalises wider input (``map[string,TensorData]``).
        accepts: What the constructor takes for the field, when wider than `type` (e.g.
            arrays and lists a mixin converts): a type expression whose maps are read-only
            (``Mapping``), usually naming an ``external`` type.
    """

    type: str
    default: Any = msgspec.UNSET
    doc: str = ""
    reads: str = ""
    accepts: str = ""


class TypeDef(_Strict, frozen=True, kw_only=True):
    """One wire type.

    Attributes:
        kind: ``struct`` (fields), ``union`` (tagged `variants`), ``enum`` (string `values`),
            ``alias`` (a name for the type expression `type`), ``newtype`` (a distinct
            static type over the scalar `type`, e.g. ``string``; a plain value at run time)
            or ``external`` (a hand-written Python type, `type` being its
            ``package.module:Name``, re-exported with the generated ones).
        tag_field: Discriminator key for tagged structs (``type``, ``state``, ``event``).
        tag: This struct's discriminator value.
        mixin: ``module:Class`` of a hand-written mixin the generated class inherits.
        type: The aliased type expression (``alias``), base scalar (``newtype``) or Python
            type (``external``).
    """

    group: TypeGroup
    doc: str = ""
    kind: Literal["struct", "union", "enum", "alias", "newtype", "external"] = "struct"
    fields: dict[str, str | FieldSpec] = msgspec.field(default_factory=dict)
    tag_field: str | None = None
    tag: str | None = None
    variants: list[str] = msgspec.field(default_factory=list)
    values: list[str] = msgspec.field(default_factory=list)
    mixin: str | None = None
    type: str = ""


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
