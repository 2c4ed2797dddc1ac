"""The Invoker port: what generated endpoint functions call, and the endpoint description.

Generated modules (`tinkex.api.*`) hold one `EndpointSpec` constant per manifest endpoint and
one async function that hands it to an `Invoker`. The invoker (built by the composition root)
applies the endpoint's features: headers, encoding, pools, retries, telemetry, tracing.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol, TypeVar

import msgspec

from tinkex.ports.transport import PoolKind

if TYPE_CHECKING:
    from collections.abc import Mapping

__all__ = ["EndpointSpec", "Invoker", "QueryValue"]

T = TypeVar("T")

QueryValue = str | int | float | bool | None


class EndpointSpec(msgspec.Struct, frozen=True, kw_only=True):
    """Everything the pipeline needs to know about one endpoint, taken from the manifest.

    Attributes:
        name: Manifest name, ``<resource>.<operation>`` (e.g. ``training.forward_backward``).
        method: Upper-case HTTP method.
        path: Path relative to the base URL, with ``{param}`` placeholders.
        request_codec: ``json``, ``protobuf``, ``multipart`` (``multipart/form-data`` through
            the `MultipartEncoder` port) or ``none`` (no body).
        accept: Media type asked for: ``json`` or ``protobuf``.
        pool: Traffic class used to pick the connection pool.
        max_retries: HTTP-level retries for one logical call (0 = a single attempt).
        timeout_s: Per-attempt timeout in seconds.
        features: Names of the manifest feature blocks attached to this endpoint.
        headers: Extra headers the endpoint always sends.
        future_result: Type name of the result when the endpoint returns a future.
        request_type: Value of ``X-Tinker-Request-Type`` when polling its future.
        streaming: True when the response is a server-sent-event stream.
        idempotent: True when a retried attempt may reuse the same idempotency key.
    """

    name: str
    method: str
    path: str
    request_codec: str = "json"
    accept: str = "json"
    pool: PoolKind = PoolKind.SESSION
    max_retries: int = 10
    timeout_s: float = 60.0
    features: tuple[str, ...] = ()
    headers: tuple[tuple[str, str], ...] = ()
    future_result: str | None = None
    request_type: str | None = None
    streaming: bool = False
    idempotent: bool = True


class Invoker(Protocol):
    """Run one logical call of an endpoint through its feature pipeline.

    Raises the tinkex error tree: status errors after retries are exhausted, connection
    errors, `DecodeError` when the response does not match `response_type`.
    """

    async def invoke(
        self,
        endpoint: EndpointSpec,
        body: object | None,
        /,
        *,
        response_type: type[T],
        path_params: Mapping[str, str] | None = None,
        query: Mapping[str, QueryValue] | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> T:
        """Encode `body`, send it, and decode the response into `response_type`.

        When `response_type` is `HttpResponse` the successful response is returned raw
        (undecoded), for callers that choose the codec from the response's content type.
        """
        ...
