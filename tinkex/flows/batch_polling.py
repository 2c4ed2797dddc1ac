"""Batch completion polling: one ``retrieve_futures`` long-poll per sampling session.

When the server's client config sets ``sample_use_retrieve_futures``, a sample does not poll
``retrieve_future`` until its result exists. As soon as the server accepts it, its request id
is registered here (`SessionFutures.expect`) with the poller of its sampling session and clone,
which keeps one ``POST /api/v1/retrieve_futures`` open for all of them. Each completion it
reports wakes the one sample waiting for it (one dict lookup); the sample then fetches its
result with a single ``retrieve_future`` (`tinkex.flows.polling`) and releases its `Claim`,
which queues the id as retrieved. The next poll carries those ids and the cursor back to the
server: a long poll while samples wait, else one ack-only poll (``timeout: 0``) once every
fetch in progress has finished, so the acks of a burst go out together.

Per sample this costs one asyncio future, one `Claim` and two dict entries: no task, no timer,
nothing decoded besides the poll answers. The poller itself is one task per sampling session,
running only while there is something to wait for or to acknowledge.

A poll that fails with a timeout is repeated at once (the long poll ran out); 408, 409, 429,
5xx and lost connections after the config's backoff; a 402 during the billing pause after its
sleep; a 400 up to ``max_bad_request_retries`` times. Any other failure is terminal for the
samples waiting at that moment: each fails with `SessionFuturesError`, naming the sampling
session, its clone and the sample. Samples registered later start a new poll loop.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import random
from typing import TYPE_CHECKING, TypeVar

import msgspec

from tinkex.domain.retry import RetryRules
from tinkex.domain.types import (
    FutureFailed,
    FutureFinished,
    FuturesRetrieveRequest,
    FuturesRetrieveResponse,
    SamplingSessionTarget,
)
from tinkex.errors import (
    APIConnectionError,
    APIStatusError,
    APITimeoutError,
    ClosedError,
    TinkexError,
)
from tinkex.flows.logging import configure_logging
from tinkex.flows.polling_state import SessionFuturesConfig, SessionFuturesError
from tinkex.flows.retrying import requested_delay_s

if TYPE_CHECKING:
    from structlog.typing import FilteringBoundLogger

    from tinkex.flows.billing import BillingPause
    from tinkex.ports.clock import Clock
    from tinkex.ports.endpoint import EndpointSpec, Invoker

__all__ = ["Claim", "Completion", "SessionFutures", "SessionFuturesConfig", "SessionFuturesError"]

Completion = FutureFinished | FutureFailed
"""What the server reports about one finished request."""

# Completions nobody claimed (yet) and claims given up before their completion came are kept
# for matching; beyond this many the oldest are forgotten.
_MAX_UNMATCHED = 10_000
_RULES = RetryRules()  # 408, 409, 429 and 5xx are polled again (x-should-retry honoured)

V = TypeVar("V")


def _remember(table: dict[str, V], key: str, value: V) -> None:
    """Add to a bounded matching table, forgetting its oldest entry when full."""
    if len(table) >= _MAX_UNMATCHED:
        del table[next(iter(table))]
    table[key] = value


class Claim:
    """One accepted sample waiting for (then fetching) its result through a session poller.

    Await `waiter`: it gives the sample's `Completion`, or the `TinkexError` to raise when the
    poll loop failed or the client closed. Call `release` once, when the wait is over.
    """

    __slots__ = ("_delivered", "_poller", "request_id", "waiter")

    def __init__(
        self,
        poller: _SessionPoller,
        request_id: str,
        waiter: asyncio.Future[Completion | TinkexError],
    ) -> None:
        self._poller = poller
        self.request_id = request_id
        self.waiter = waiter
        self._delivered = False

    def deliver(self, outcome: Completion | TinkexError) -> bool:
        """Resolve the waiter; False when its sample stopped waiting (cancelled)."""
        if self.waiter.done():
            return False
        self.waiter.set_result(outcome)
        if not isinstance(outcome, TinkexError):
            self._delivered = True
            self._poller.fetching += 1
        return True

    def release(self) -> None:
        """End the claim: a delivered completion is acknowledged, an undelivered one given up."""
        poller = self._poller
        if self._delivered:
            self._delivered = False
            poller.fetching -= 1
            poller.retrieved.append(self.request_id)
            poller.wake()
        elif poller.waiting.pop(self.request_id, None) is not None:
            _remember(poller.abandoned, self.request_id, None)


class SessionFutures:
    """The retrieve_futures pollers of one client stack, one per sampling session clone.

    Args:
        invoker: Runs the poll endpoint (non-2xx answers raise tinkex status errors).
        retrieve_spec: The ``futures.retrieve_many`` endpoint; it is called without HTTP-level
            or outer retries (the poll loop is the retry policy) and with the config's timeouts.
        config: Poll-loop tunables.
        clock: Time source of the backoffs.
        billing: The client's 402 pause (None: a 402 fails the loop).
        logger: Where failures are logged.
        rng: Source of the backoff jitter.
    """

    def __init__(
        self,
        invoker: Invoker,
        retrieve_spec: EndpointSpec,
        *,
        config: SessionFuturesConfig | None = None,
        clock: Clock,
        billing: BillingPause | None = None,
        logger: FilteringBoundLogger | None = None,
        rng: random.Random | None = None,
    ) -> None:
        self.config = config or SessionFuturesConfig()
        self.invoker = invoker
        plain = msgspec.structs.replace(
            retrieve_spec,
            max_retries=0,
            features=tuple(f for f in retrieve_spec.features if f != "retry_outer"),
        )
        self.poll_spec = msgspec.structs.replace(plain, timeout_s=self.config.poll_timeout_s)
        self.ack_spec = msgspec.structs.replace(plain, timeout_s=self.config.ack_timeout_s)
        self.clock = clock
        self.billing = billing
        self.log: FilteringBoundLogger = logger or configure_logging()
        self.rng = rng if rng is not None else random.Random()
        self._pollers: dict[tuple[str, int], _SessionPoller] = {}
        self._claims: dict[str, Claim] = {}
        self._closed = False

    def expect(self, request_id: str, sampling_session_id: str, cloned_sampler_id: int) -> None:
        """Register a sample the server just accepted; its poller starts if it was idle.

        Raises:
            ClosedError: The pollers were closed.
        """
        if self._closed:
            raise ClosedError("the client is closed: no sample can wait for its result")
        key = (sampling_session_id, cloned_sampler_id)
        poller = self._pollers.get(key)
        if poller is None:
            poller = self._pollers[key] = _SessionPoller(self, key)
        claim = Claim(poller, request_id, asyncio.get_running_loop().create_future())
        self._claims[request_id] = claim
        early = poller.unclaimed.pop(request_id, None)
        if early is not None:  # it finished before the submission's answer was read
            claim.deliver(early)
            return
        poller.waiting[request_id] = claim
        poller.start()

    def claim(self, request_id: str) -> Claim | None:
        """Take the claim of a registered sample (None: it resolves by per-future polling)."""
        return self._claims.pop(request_id, None)

    async def aclose(self) -> None:
        """Stop every poller: waiting samples fail with `ClosedError`, acks go out once."""
        self._closed = True
        pollers = list(self._pollers.values())
        self._pollers.clear()
        for poller in pollers:
            await poller.aclose()
        self._claims.clear()


class _SessionPoller:
    """The poll loop of one sampling session clone, and what it matches completions against."""

    def __init__(self, owner: SessionFutures, key: tuple[str, int]) -> None:
        self._owner = owner
        self._target = SamplingSessionTarget(sampling_session_id=key[0], cloned_sampler_id=key[1])
        self.waiting: dict[str, Claim] = {}
        self.unclaimed: dict[str, Completion] = {}
        self.abandoned: dict[str, None] = {}
        self.retrieved: list[str] = []
        self.fetching = 0  # completions delivered whose claims are not released yet
        self._cursor = 0
        self._acked_cursor = 0
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._acking = False  # an ack-only poll is in flight
        self._closing = asyncio.Event()  # set by `aclose`

    def start(self) -> None:
        """Run the poll loop (in a context of its own: no caller's sdk method or span)."""
        if self._task is None or self._task.done():
            self._task = asyncio.get_running_loop().create_task(
                self._run(), name="tinkex-retrieve-futures", context=contextvars.Context()
            )
        else:
            self._wake.set()

    def wake(self) -> None:
        """Tell an idle loop that there may be something to acknowledge."""
        self._wake.set()

    def _has_work(self) -> bool:
        if self.waiting:
            return True
        if self.fetching:
            return False  # their acks go out together once the fetches end
        return bool(self.retrieved) or self._cursor > self._acked_cursor

    def _request(self, *, ack_only: bool) -> FuturesRetrieveRequest:
        acks, self.retrieved = self.retrieved, []
        return FuturesRetrieveRequest(
            target=self._target,
            prev_cursor=self._cursor,
            timeout=0.0 if ack_only else None,
            retrieved_request_ids=sorted(acks),
        )

    async def _run(self) -> None:
        streak = bad_requests = 0
        while not self._closing.is_set():
            if not self._has_work():
                self._wake.clear()
                await self._wake.wait()
                continue
            request = self._request(ack_only=not self.waiting)
            try:
                answer = await self._send(request)
            except Exception as exc:  # noqa: BLE001 - every failure is classified below
                self.retrieved[:0] = request.retrieved_request_ids  # not acknowledged yet
                if self._closing.is_set():
                    return  # `aclose` sends them once more
                counts = await self._recover(exc, streak, bad_requests)
                if counts is None:
                    self._fail(exc)
                    return
                streak, bad_requests = counts
                continue
            except asyncio.CancelledError:
                self.retrieved[:0] = request.retrieved_request_ids
                raise
            streak = bad_requests = 0
            self._acked_cursor = max(self._acked_cursor, request.prev_cursor)
            self._cursor = answer.cursor
            for completion in answer.completions:
                self._match(completion)

    async def _send(self, request: FuturesRetrieveRequest) -> FuturesRetrieveResponse:
        owner = self._owner
        ack_only = request.timeout == 0
        self._acking = ack_only
        try:
            return await owner.invoker.invoke(
                owner.ack_spec if ack_only else owner.poll_spec,
                request,
                response_type=FuturesRetrieveResponse,
            )
        finally:
            self._acking = False

    def _match(self, completion: Completion) -> None:
        request_id = completion.request_id
        claim = self.waiting.pop(request_id, None)
        if claim is not None and claim.deliver(completion):
            return
        if claim is None and request_id not in self.abandoned:
            # Its submission's answer is still on its way: keep it for `expect`.
            _remember(self.unclaimed, request_id, completion)
            return
        # Nobody will fetch it: let the server drop the result.
        self.abandoned.pop(request_id, None)
        self.retrieved.append(request_id)

    async def _recover(self, exc: Exception, streak: int, bad: int) -> tuple[int, int] | None:
        """Wait as `exc` calls for; the new (streak, 400s) counts, or None when terminal."""
        owner = self._owner
        if isinstance(exc, APIStatusError):
            status = exc.status
            if owner.billing is not None and owner.billing.should_pause(
                status, endpoint=owner.poll_spec.name
            ):
                await owner.clock.sleep(owner.billing.config.sleep_s)
                return 0, bad
            if status == 400:
                if bad >= owner.config.max_bad_request_retries:
                    return None
                bad += 1
            elif not _RULES.status_verdict(status, exc.should_retry)[0]:
                return None
            wait = owner.config.backoff.wait(streak, owner.rng, requested_s=requested_delay_s(exc))
        elif isinstance(exc, APITimeoutError):
            return 0, bad  # the long poll ran out unanswered: the server is there, poll again
        elif isinstance(exc, APIConnectionError):
            wait = owner.config.backoff.wait(streak, owner.rng)
        else:
            return None
        owner.log.debug(
            "futures.session_poll_retry",
            sampling_session_id=self._target.sampling_session_id,
            error_type=type(exc).__name__,
            delay_s=wait.delay_s,
        )
        await owner.clock.sleep(wait.delay_s)
        return (streak if wait.requested else streak + 1), bad

    def _fail(self, exc: Exception) -> None:
        target = self._target
        status = exc.status if isinstance(exc, APIStatusError) else None
        self._owner.log.error(
            "futures.session_poll_failed",
            sampling_session_id=target.sampling_session_id,
            cloned_sampler_id=target.cloned_sampler_id,
            error_type=type(exc).__name__,
            status=status,
            waiting=len(self.waiting),
        )
        cause = f"{type(exc).__name__}: {exc}"
        waiting, self.waiting = self.waiting, {}
        for request_id, claim in waiting.items():
            error = SessionFuturesError(
                sampling_session_id=target.sampling_session_id,
                cloned_sampler_id=target.cloned_sampler_id,
                request_id=request_id,
                cause=cause,
                status=status,
            )
            error.__cause__ = exc
            claim.deliver(error)
        self._task = None  # the next sample registered starts a new loop

    async def aclose(self) -> None:
        """Stop the loop, fail the waiting samples, send the outstanding acks once."""
        self._closing.set()
        waiting, self.waiting = self.waiting, {}
        for request_id, claim in waiting.items():
            claim.deliver(
                ClosedError(
                    f"the client was closed while sample {request_id} waited for its result"
                )
            )
        task, self._task = self._task, None
        if task is not None and not task.done():
            if self._acking:
                self._wake.set()  # an ack-only poll answers at once: let it land, not resend it
            else:
                task.cancel()  # idle, backing off, or in a long poll that may last 45 s
            await asyncio.wait((task,))
        if self.retrieved or self._cursor > self._acked_cursor:
            owner = self._owner
            # Best effort: the client is closing and the server forgets results in time anyway.
            with contextlib.suppress(Exception):
                await owner.invoker.invoke(
                    owner.ack_spec,
                    self._request(ack_only=True),
                    response_type=FuturesRetrieveResponse,
                )
