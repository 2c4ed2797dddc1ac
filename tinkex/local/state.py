"""Shared state of one backend: configuration, registries, the worker pool and future runner."""

from __future__ import annotations

import asyncio
import functools
import math
from collections import deque
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, TypeVar

from tinkex.domain.limits import MAX_DECOMPRESSED_BODY_BYTES, MAX_REQUEST_BODY_BYTES
from tinkex.local.journal import Journal
from tinkex.local.jwt_auth import TokenIssuer
from tinkex.local.liveness import SessionLiveness
from tinkex.local.model import LossInputError, VocabularyError
from tinkex.local.reply import HttpError, UserError

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable, Mapping

    from tinkex.local.engine import ModelEngine, ModelFactory
    from tinkex.local.faults import FaultInjector
    from tinkex.local.futures import FutureEntry, FutureStore
    from tinkex.local.ordering import Sequencer
    from tinkex.local.records import RunRecord, SamplerRecord, SessionRecord
    from tinkex.local.results import FutureResult
    from tinkex.local.signing import UrlSigner
    from tinkex.local.store import CheckpointStore
    from tinkex.ports.clock import Clock

__all__ = ["BackendConfig", "Call", "ModelSlot", "SamplerSlot", "ServiceState"]

T = TypeVar("T")


@dataclass(frozen=True)
class BackendConfig:
    """Tunables of the backend.

    Attributes:
        session_ttl_s: A session without heartbeats for this long expires (None = never).
        poll_timeout_s: Longest a ``retrieve_future`` long-poll waits before ``try_again``.
        result_ttl_s: How long finished results stay retrievable (then 410).
        metadata_threshold_bytes: Results larger than this are first announced with
            ``complete_metadata`` when the poll allows it.
        gap_timeout_s: How long a training request waits for a missing predecessor seq_id.
        idempotency_cache_size: Answers remembered per ``X-Idempotency-Key``.
        telemetry_keep: Telemetry events kept for inspection.
        signed_url_ttl_s: Lifetime of signed download URLs.
        max_workers: Threads running model work.
        client_flags: Overrides of the ``client/config`` flags (e.g.
            ``{"sample_use_retrieve_futures": True, "proto_compress_fwdbwd": True}``).
        batch_futures: Advertise batch polling and sample cancellation
            (``sample_use_retrieve_futures``, ``sample_cancel_enabled``; `batch_futures.py`).
        dynamic_flags: Overrides of the ``client/dynamic_config`` flags.
        max_request_body_bytes: Largest request body read, as sent (else 413).
        max_decompressed_body_bytes: Largest body after content decoding (else 413).
        short_sampler_paths: Hand out sampler weights as ``tinker://<run>/<name>`` (the shape
            some servers use) and accept that shape back; ``sampler_weights/<name>`` still
            works.
        jwt_auth: JWT mode (``pjwt_auth_enabled``): ``auth/token`` exchanges credentials for
            JWTs, which every other request must carry (see `tinkex.local.jwt_auth`); off in
            legacy mode (JSON-era servers have no token exchange).
        jwt_ttl_s: Lifetime of the JWTs of `jwt_auth`.
        credential_default_source: ``client/config``'s ``credential_default_source``:
            ``api_key``, or ``credential_cmd`` (clients exchange their credential command's
            output, which the exchange then accepts whatever its shape).
        sample_time_s: Model time of each sample request: its result is ready this many
            seconds after the request was accepted (or when the model finishes, if later),
            as on a real sampler. Samples wait it out concurrently (an asyncio sleep on the
            backend's clock, no CPU, no worker thread), so n samples started together finish
            after about one `sample_time_s`, not n. 0 (the default) adds no wait at all.

    Raises:
        ValueError: `sample_time_s` negative or not finite.
    """

    session_ttl_s: float | None = 120.0
    poll_timeout_s: float = 5.0
    result_ttl_s: float = 3600.0
    metadata_threshold_bytes: int = 1 << 20
    gap_timeout_s: float = 120.0
    idempotency_cache_size: int = 4096
    telemetry_keep: int = 1000
    signed_url_ttl_s: int = 900
    max_workers: int = 2
    client_flags: Mapping[str, object] = field(default_factory=dict)
    batch_futures: bool = False
    dynamic_flags: Mapping[str, object] = field(default_factory=dict)
    max_request_body_bytes: int = MAX_REQUEST_BODY_BYTES
    max_decompressed_body_bytes: int = MAX_DECOMPRESSED_BODY_BYTES
    short_sampler_paths: bool = False
    jwt_auth: bool = False
    jwt_ttl_s: float = 3600.0
    credential_default_source: str = "api_key"
    sample_time_s: float = 0.0

    def __post_init__(self) -> None:
        if not (math.isfinite(self.sample_time_s) and self.sample_time_s >= 0):
            raise ValueError(
                f"sample_time_s must be a finite number of seconds >= 0, got {self.sample_time_s!r}"
            )


@dataclass
class Call:
    """One request as handlers see it.

    Attributes:
        method: Upper-case HTTP method.
        path: URL path (no query).
        params: Named groups of the matched route.
        query: Query parameters.
        headers: Request headers, names lower-case.
        body: Raw body.
    """

    method: str
    path: str
    params: dict[str, str]
    query: Mapping[str, str]
    headers: Mapping[str, str]
    body: bytes


@dataclass
class ModelSlot:
    """A training model in memory.

    Attributes:
        run: Its persisted run record.
        sequencer: Orders its requests.
        engine: The model, once created or loaded.
        error: Why creation failed, if it did.
        by_seq: Request id per seq_id, so a repeated seq_id gets the same future.
    """

    run: RunRecord
    sequencer: Sequencer
    engine: ModelEngine | None = None
    error: str | None = None
    by_seq: dict[int, FutureEntry] = field(default_factory=dict)


@dataclass
class SamplerSlot:
    """A sampling session in memory.

    Attributes:
        record: Its persisted record.
        engine: The weights it samples from.
        clients: Clones that joined it (``join_sampling_session``).
        by_seq: Future per seq_id.
        finished: Finished samples in completion order with their seq_id (for
            ``retrieve_futures`` cursors).
        changed: Set (and replaced) whenever a sample finishes.
    """

    record: SamplerRecord
    engine: ModelEngine
    clients: int = 0
    by_seq: dict[int, FutureEntry] = field(default_factory=dict)
    finished: list[tuple[int | None, FutureEntry]] = field(default_factory=list)
    changed: asyncio.Event = field(default_factory=asyncio.Event)

    def record_finished(self, seq_id: int | None, entry: FutureEntry) -> None:
        """Log a finished sample and wake long-polls waiting for one."""
        self.finished.append((seq_id, entry))
        self.changed.set()
        self.changed = asyncio.Event()


class ServiceState:
    """Everything the handlers share.

    Args:
        clock: Time source.
        config: Tunables.
        legacy: Behave like a JSON-era server.
        store: Checkpoints and metadata on disk.
        futures: The future state machine.
        faults: Fault injector.
        factory: Builds model engines.
        signer: Signs download URLs.
        seed: Seeds unseeded sampling.
    """

    def __init__(
        self,
        *,
        clock: Clock,
        config: BackendConfig,
        legacy: bool,
        store: CheckpointStore,
        futures: FutureStore,
        faults: FaultInjector,
        factory: ModelFactory,
        signer: UrlSigner,
        seed: int = 0,
    ) -> None:
        self.clock = clock
        self.config = config
        self.legacy = legacy
        self.store = store
        self.futures = futures
        self.faults = faults
        self.factory = factory
        self.signer = signer
        self.seed = seed
        self.sample_counter = 0
        self.session_ordinals: dict[str, int] = {}
        self.models: dict[str, ModelSlot] = {}
        self.samplers: dict[str, SamplerSlot] = {}
        self.liveness = SessionLiveness(clock, config.session_ttl_s)
        self.samples_in_flight = 0
        self.telemetry: deque[dict[str, object]] = deque(maxlen=config.telemetry_keep)
        self.journal = Journal()
        self.tokens = (
            TokenIssuer(
                clock, ttl_s=config.jwt_ttl_s, credential_source=config.credential_default_source
            )
            if config.jwt_auth and not legacy
            else None
        )
        self._executor = ThreadPoolExecutor(config.max_workers, thread_name_prefix="tinkex-local")
        self._tasks: set[asyncio.Task[None]] = set()

    async def blocking(self, fn: Callable[..., T], *args: object, **kwargs: object) -> T:
        """Run CPU-bound model work on the worker threads, keeping the loop responsive."""
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._executor, functools.partial(fn, *args, **kwargs))

    def session(self, session_id: str) -> SessionRecord:
        """A live session.

        Raises:
            HttpError: 404 when unknown; 410 when finished or expired (no heartbeat in time),
                saying which.
        """
        record = self.store.index.sessions.get(session_id)
        if record is None:
            raise HttpError(404, f"session {session_id} not found")
        if record.status == "active":
            silent = self.liveness.overdue(session_id)
            if silent is not None:
                self._expire(record, silent)
        if record.status != "active":
            raise HttpError(410, self.liveness.gone_detail(session_id, record.status))
        return record

    def expire_if_silent(self, session_id: str) -> None:
        """Expire a session whose heartbeats stopped longer than the TTL ago (the sweeper)."""
        record = self.store.index.sessions.get(session_id)
        if record is None or record.status != "active":
            self.liveness.forget(session_id)
            return
        silent = self.liveness.overdue(session_id)
        if silent is not None:
            self._expire(record, silent)

    def _expire(self, record: SessionRecord, silent_s: float) -> None:
        record.status = "expired"
        self.store.save_index()
        self.liveness.expire(record.session_id, silent_s)

    def model(self, model_id: str) -> ModelSlot:
        """A training model whose session is live.

        Raises:
            HttpError: 404 unknown model; 410 its session ended.
        """
        slot = self.models.get(model_id)
        if slot is None:
            raise HttpError(404, f"model {model_id} not found")
        self.session(slot.run.session_id)
        slot.run.last_request_time = self.clock.time()
        return slot

    def run_future(
        self,
        entry: FutureEntry,
        work: Callable[[], Awaitable[FutureResult]],
        *,
        slot: ModelSlot | None = None,
        seq_id: int | None = None,
        on_finish: Callable[[], None] | None = None,
    ) -> None:
        """Run `work` in the background (in seq order on `slot`) and settle `entry`.

        `on_finish` runs once the entry is settled (successfully or not).
        """
        settle = self._settle(entry, work, slot, seq_id, on_finish)
        task = asyncio.get_running_loop().create_task(settle)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _settle(
        self,
        entry: FutureEntry,
        work: Callable[[], Awaitable[FutureResult]],
        slot: ModelSlot | None,
        seq_id: int | None,
        on_finish: Callable[[], None] | None,
    ) -> None:
        if slot is not None:
            await slot.sequencer.turn(seq_id)
        try:
            if entry.finished:
                return  # cancelled while queued: never apply it
            self.futures.start(entry)
            self.journal.started(entry, seq_id)
            self.futures.complete(entry, await work())
        except (UserError, LossInputError, VocabularyError, ValueError, KeyError) as exc:
            self.futures.fail(entry, str(exc) or type(exc).__name__, "user")
        except HttpError as exc:
            self.futures.fail(entry, exc.detail, "user" if exc.status < 500 else "server")
        except Exception as exc:  # noqa: BLE001  # any bug becomes a server-category failure
            self.futures.fail(entry, f"{type(exc).__name__}: {exc}", "server")
        finally:
            if slot is not None:
                slot.sequencer.release(seq_id)
            if on_finish is not None:
                on_finish()

    async def aclose(self) -> None:
        """Cancel background work and stop the worker threads."""
        await self.liveness.aclose()
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        self._executor.shutdown(wait=False, cancel_futures=True)
        self.journal.close()
