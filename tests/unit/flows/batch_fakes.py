"""A small working server for the batch poller's tests: retrieve_futures, retrieve_future, cancel.

`FuturesServer` implements the `Invoker` port the flows call: ``retrieve_futures`` answers the
completions after ``prev_cursor`` (holding the poll open until one exists unless ``timeout``
is 0), ``retrieve_future`` answers each finished request's JSON result (or its error), and
``cancel_future`` records the id. Every call is logged in order; `fail_next` makes the next
polls raise instead.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

import msgspec

from tinkex.domain.types import (
    CancelFutureRequest,
    FutureFailed,
    FutureFinished,
    FuturesRetrieveRequest,
    FuturesRetrieveResponse,
)
from tinkex.errors import status_error_for
from tinkex.ports.endpoint import EndpointSpec, QueryValue
from tinkex.ports.transport import HttpResponse, PoolKind

if TYPE_CHECKING:
    from tinkex.flows.batch_polling import Completion

T = TypeVar("T")

RETRIEVE_MANY = EndpointSpec(
    name="futures.retrieve_many",
    method="POST",
    path="/api/v1/retrieve_futures",
    pool=PoolKind.RETRIEVE,
    max_retries=0,
    timeout_s=45.0,
)
CANCEL = EndpointSpec(
    name="futures.cancel",
    method="POST",
    path="/api/v1/cancel_future",
    pool=PoolKind.RETRIEVE,
    max_retries=0,
    timeout_s=30.0,
    features=("retry_outer",),
)


def status(code: int) -> BaseException:
    """The tinkex status error an invoker raises for `code`."""
    return status_error_for(code)(f"Error code: {code}", status=code)


class Sent(msgspec.Struct, frozen=True, kw_only=True):
    """One call the server received."""

    endpoint: str
    timeout_s: float | None
    body: Any
    headers: dict[str, str]


class FuturesServer:
    """Completions, results and cancellations of one sampling session, kept in memory."""

    def __init__(self) -> None:
        self.completions: list[Completion] = []
        self.results: dict[str, dict[str, Any]] = {}
        self.sent: list[Sent] = []
        self.failures: list[BaseException] = []
        self.cancel_failures: dict[str, BaseException] = {}
        self.cancels_in_flight = 0
        self.max_cancels_in_flight = 0
        self.cancel_hold: asyncio.Event | None = None
        self.ack_hold: asyncio.Event | None = None
        self._changed = asyncio.Event()

    def finish(self, request_id: str, result: Mapping[str, Any] | None = None) -> None:
        """Complete a request: reported by the next poll, its result then retrievable."""
        payload = dict(result or {"sequences": [request_id]})
        self.results[request_id] = payload
        size = len(json.dumps(payload))
        self._complete(
            FutureFinished(request_id=request_id, response_payload_uncompressed_size=size)
        )

    def fail(self, request_id: str, error: str = "boom") -> None:
        """Finish a request as failed."""
        self.results[request_id] = {"error": error, "category": "user"}
        self._complete(FutureFailed(request_id=request_id))

    def fail_next(self, *errors: BaseException) -> None:
        """Make the next polls raise these errors, in order."""
        self.failures.extend(errors)

    def _complete(self, completion: Completion) -> None:
        self.completions.append(completion)
        self._changed.set()
        self._changed = asyncio.Event()

    def polls(self) -> list[FuturesRetrieveRequest]:
        """The retrieve_futures bodies received, in order."""
        return [s.body for s in self.sent if s.endpoint == RETRIEVE_MANY.name]

    def fetched(self) -> list[dict[str, Any]]:
        """The retrieve_future bodies received, in order."""
        return [s.body for s in self.sent if s.endpoint == "futures.retrieve"]

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
        self.sent.append(
            Sent(
                endpoint=endpoint.name,
                timeout_s=endpoint.timeout_s,
                body=body,
                headers=dict(headers or {}),
            )
        )
        if endpoint.name == RETRIEVE_MANY.name:
            assert isinstance(body, FuturesRetrieveRequest)
            return cast("T", await self._poll(body))
        if endpoint.name == CANCEL.name:
            assert isinstance(body, CancelFutureRequest)
            return cast("T", await self._cancel(body.request_id))
        assert isinstance(body, Mapping)
        payload = self.results[str(body["request_id"])]
        return cast("T", HttpResponse(status=200, headers={}, body=json.dumps(payload).encode()))

    async def _poll(self, body: FuturesRetrieveRequest) -> FuturesRetrieveResponse:
        if self.failures:
            raise self.failures.pop(0)
        if body.timeout == 0 and self.ack_hold is not None:
            await self.ack_hold.wait()
        while len(self.completions) <= body.prev_cursor and body.timeout is None:
            await self._changed.wait()
        return FuturesRetrieveResponse(
            completions=self.completions[body.prev_cursor :], cursor=len(self.completions)
        )

    async def _cancel(self, request_id: str) -> None:
        self.cancels_in_flight += 1
        self.max_cancels_in_flight = max(self.max_cancels_in_flight, self.cancels_in_flight)
        try:
            if self.cancel_hold is not None:
                await self.cancel_hold.wait()
            else:
                await asyncio.sleep(0)
            failure = self.cancel_failures.get(request_id)
            if failure is not None:
                raise failure
        finally:
            self.cancels_in_flight -= 1
