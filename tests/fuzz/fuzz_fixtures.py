"""The fuzz harness: an embedded backend behind a recording transport, and the verdict of a case.

Every case calls one public method with arguments that are each valid or hostile (`Lazy`), and
must end in one of two ways:

* **rejected**: a `ValidationError` whose ``field`` or message names one of the hostile
  arguments, raised before anything was sent (the recorder saw no request, even after the
  event loop ran) and leaving a training client unpoisoned with no request id reserved;
* **accepted**: the request went out and the server carried it out. A server refusing it (a
  4xx, or a future failed as the user's fault) means the client let an invalid request through.

A call with no hostile argument must be accepted. Any other exception is a failure.
"""

from __future__ import annotations

import asyncio
import contextlib
import inspect
import os
from collections import Counter
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from hypothesis import event

from tinkex.adapters.clock import SystemClock
from tinkex.bootstrap.adapters import Adapters, SharedTransportPool
from tinkex.clients.service import ServiceClient
from tinkex.errors import ValidationError
from tinkex.local import BackendConfig, InProcessTransport, LocalBackend

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator
    from pathlib import Path

    from hostile import Lazy

    from tinkex.clients.training import TrainingClient
    from tinkex.ports.transport import HttpRequest, HttpResponse, Transport

TINY_MODEL = "tinkex/tiny-byte-lm"
SCALE = max(1, int(os.environ.get("TINKEX_FUZZ_SCALE", "1")))
"""Multiplies every fuzz test's example count: CI runs 1, a deeper local run e.g. 20."""
BASE_URL = "http://local"
CASE_TIMEOUT_S = 30.0


_BACKGROUND = ("/api/v1/session_heartbeat", "/api/v1/telemetry")
"""Requests the client sends on its own timer, whatever the cases do."""


class Recorder:
    """A Transport that forwards to another and keeps every request a call made.

    Heartbeats and telemetry go out on the client's own timers, in the middle of any case, so
    they are forwarded but not kept.
    """

    def __init__(self, inner: Transport) -> None:
        self.inner = inner
        self.requests: list[HttpRequest] = []

    async def send(self, request: HttpRequest, /) -> HttpResponse:
        if not request.url.split("?", 1)[0].endswith(_BACKGROUND):
            self.requests.append(request)
        return await self.inner.send(request)

    async def aclose(self) -> None:
        await self.inner.aclose()


@dataclass
class Tally:
    """How the cases of one test ended."""

    accepted: Counter[str] = field(default_factory=Counter)
    rejected: Counter[str] = field(default_factory=Counter)

    @property
    def total(self) -> int:
        """Cases run."""
        return sum(self.accepted.values()) + sum(self.rejected.values())

    def report(self, test: str) -> None:
        """Write this tally to the ``TINKEX_FUZZ_REPORT`` file (see `report`)."""
        report(test, sum(self.rejected.values()), sum(self.accepted.values()))

    def summary(self) -> str:
        """One line for the test report."""
        return (
            f"{self.total} cases: {sum(self.rejected.values())} typed rejections, "
            f"{sum(self.accepted.values())} accepted"
        )


@dataclass
class Harness:
    """A started ServiceClient over an embedded backend, driven from synchronous tests."""

    runner: asyncio.Runner
    service: ServiceClient
    recorder: Recorder
    backend: LocalBackend
    tally: Tally = field(default_factory=Tally)

    def run(self, coroutine: Any) -> Any:
        """Run a coroutine on the harness's event loop."""
        return self.runner.run(asyncio.wait_for(coroutine, CASE_TIMEOUT_S))

    def case(
        self,
        method: str,
        call: Callable[[list[Any]], Any],
        args: list[Lazy],
        *,
        training: TrainingClient | None = None,
    ) -> None:
        """Run one case (see the module docstring) and record how it ended."""
        self.run(self._case(method, call, args, training))

    async def _case(
        self,
        method: str,
        call: Callable[[list[Any]], Any],
        args: list[Lazy],
        training: TrainingClient | None,
    ) -> None:
        names = frozenset().union(*(a.names for a in args))
        hostile = [a.label for a in args if a.hostile]
        sent = len(self.recorder.requests)
        next_id = training._submitter.sequencer.next_id if training is not None else None
        refused: ValidationError | None = None
        result: Any = None
        try:
            result = call([a.make() for a in args])
            if inspect.iscoroutine(result):
                result = await result
        except ValidationError as exc:
            refused = exc
        if refused is not None:
            await _settle()
            text = f"{refused.field or ''} {refused}"
            assert names, f"{method}: a valid call was refused: {refused!r}"
            named = any(name in text for name in names)
            assert named, f"{method}: {refused!r} names none of {sorted(names)}"
            assert len(self.recorder.requests) == sent, f"{method}: rejected but sent"
            if training is not None:
                assert training._submitter.sequencer.poisoned is None, (
                    f"{method}: poisoned by {refused!r}"
                )
                assert training._submitter.sequencer.next_id == next_id, f"{method}: reserved an id"
            self.tally.rejected[method] += 1
            event(f"{method}: rejected ({'+'.join(hostile)})")
            return
        if inspect.isawaitable(result):
            result = await result  # the server must carry out what the client accepted
        self.tally.accepted[method] += 1
        event(f"{method}: accepted ({'+'.join(hostile) or 'valid'})")


async def _settle() -> None:
    # A refused call must not have started a submission either: let any task it made run.
    for _ in range(3):
        await asyncio.sleep(0)


@contextlib.contextmanager
def embedded_harness(data_dir: Path) -> Iterator[Harness]:
    """A started harness over a fresh embedded backend; closed on exit."""
    runner = asyncio.Runner()

    async def start() -> tuple[ServiceClient, Recorder, LocalBackend]:
        backend = LocalBackend(
            data_dir, config=BackendConfig(poll_timeout_s=1.0, session_ttl_s=None)
        )
        recorder = Recorder(InProcessTransport(backend, BASE_URL))
        adapters = Adapters(
            pool=SharedTransportPool(recorder),
            clock=SystemClock(),
            base_url=BASE_URL,
            threaded_heartbeat=False,
        )
        service = ServiceClient(adapters=adapters, telemetry=False, api_key="tml-fuzz")
        await service.start()
        return service, recorder, backend

    try:
        service, recorder, backend = runner.run(start())
        harness = Harness(runner, service, recorder, backend)
        try:
            yield harness
        finally:
            runner.run(service.close())
            runner.run(backend.aclose())
    finally:
        runner.close()


def report(test: str, typed: int, accepted: int) -> None:
    """Append one line of counts to the file ``TINKEX_FUZZ_REPORT`` names, if it is set."""
    path = os.environ.get("TINKEX_FUZZ_REPORT")
    if path:
        with open(path, "a", encoding="utf-8") as out:
            out.write(f"{test}\t{typed + accepted}\t{typed}\t{accepted}\n")


def examples(count: int) -> int:
    """The example count of a fuzz test: `count`, times ``TINKEX_FUZZ_SCALE``."""
    return count * SCALE


def public_methods(cls: type) -> set[str]:
    """The public methods (and classmethods) a class offers, inherited ones included.

    The official SDK's ``*_async`` names (generated into `tinkex.clients.official_names`)
    are left out: each is the method it names, fuzzed under that name.
    """
    generated = "tinkex.clients.official_names"
    own = {name for base in cls.__mro__ if base.__module__ != generated for name in vars(base)}
    aliases = {
        name
        for base in cls.__mro__
        if base.__module__ == generated
        for name in vars(base)
        if name not in own  # a deprecated-argument wrapper stands for a real method
    }
    return {
        name
        for name, value in inspect.getmembers(cls)
        if not name.startswith("_")
        and name not in aliases
        and (inspect.isfunction(value) or inspect.ismethod(value))
    }
