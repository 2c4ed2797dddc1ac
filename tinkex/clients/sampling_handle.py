"""Sampler handles: a SamplingClient's identity as a string, and the runtime it rebuilds.

A handle names the session, the sampling session and the service, never a
credential: ``SamplingClient.get_sampler_handle()`` gives urlsafe base64 of its JSON, and
``SamplingClient.from_sampler_handle(handle, api_key=...)`` (or unpickling) rebuilds a client
whose `LazyRuntime` starts its own client stack on first use, in whatever process it is in. That
stack joins the existing session: no ``create_session``, no new sampling session, its own
heartbeats, and closing it leaves the session to its owner.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import uuid
from typing import TYPE_CHECKING

import msgspec

from tinkex import api
from tinkex._compose import compose_client, json_codec
from tinkex.config import load_config
from tinkex.domain.ordering import CLONE_SEQ_STRIDE
from tinkex.domain.types import JoinSamplingSessionRequest
from tinkex.domain.urls import LOCAL_BASE_URL
from tinkex.errors import ClosedError, ConfigError, DecodeError, ValidationError

if TYPE_CHECKING:
    from tinkex.config import Secret
    from tinkex.ports.client import ClientContext

__all__ = [
    "CLONE_SEQ_STRIDE",
    "LazyRuntime",
    "SamplerHandle",
    "clone_seq_start",
    "handle_for",
    "require_shareable",
]


_CODEC = json_codec()
_HANDLE_VERSION = 1


class SamplerHandle(msgspec.Struct, frozen=True, kw_only=True):
    """Everything needed to rebuild a SamplingClient elsewhere, minus credentials.

    Attributes:
        session_id: The session the sampler belongs to (kept alive by the rebuilt client).
        sampling_session_id: The server's sampling session id.
        base_url: The service URL.
        base_model: The base model sampled from.
        model_path: The sampler weights, when sampling from a checkpoint.
        record_stability_info: Sent with every sample request.
        telemetry: Whether the rebuilt client sends SDK telemetry.
        version: Handle format version.
    """

    session_id: str
    sampling_session_id: str
    base_url: str
    base_model: str
    model_path: str | None = None
    record_stability_info: bool = False
    telemetry: bool = True
    version: int = _HANDLE_VERSION

    def encode(self) -> str:
        """The handle as a string (urlsafe base64 of its JSON)."""
        return base64.urlsafe_b64encode(_CODEC.encode(self)).decode("ascii")

    @classmethod
    def decode(cls, text: str) -> SamplerHandle:
        """Parse a handle made by `encode`.

        Raises:
            ValidationError: Not a sampler handle (or a newer format).
        """
        if not isinstance(text, str):
            raise ValidationError(f"must be a string, got {type(text).__name__}", field="handle")
        try:
            handle = _CODEC.decode(base64.urlsafe_b64decode(text.encode("ascii")), cls)
        except (binascii.Error, UnicodeEncodeError, ValueError, DecodeError) as exc:
            raise ValidationError("not a sampler handle", field="handle") from exc
        if handle.version != _HANDLE_VERSION:
            raise ValidationError(f"unsupported handle version {handle.version}", field="handle")
        return handle


def require_shareable(runtime: ClientContext) -> None:
    """Refuse to export a client whose backend lives inside this process.

    Raises:
        ConfigError: The runtime talks to an in-process embedded backend, which another
            process (or a fresh client stack) cannot reach.
    """
    if runtime.config.is_local or runtime.base_url == LOCAL_BASE_URL:
        raise ConfigError(
            "this SamplingClient talks to an in-process embedded backend (base_url='local'), "
            "which other processes cannot reach; serve it over HTTP (python -m tinkex.local "
            "serve) and connect with base_url='http://...' to share samplers"
        )


class LazyRuntime:
    """A client stack for a rebuilt SamplingClient, started on first use, owned by it.

    Args:
        handle: Where to connect and which session to join.
        api_key: The credential; None reads ``TINKER_API_KEY`` when the stack starts.
    """

    def __init__(self, handle: SamplerHandle, api_key: Secret | str | None) -> None:
        self.handle = handle
        self._api_key = api_key
        self._runtime: ClientContext | None = None
        self._lock: asyncio.Lock | None = None
        self._closed = False

    @property
    def api_key(self) -> Secret | str | None:
        """The credential the stack was (or will be) built with."""
        return self._api_key

    @property
    def started(self) -> ClientContext | None:
        """The runtime, once started."""
        return self._runtime

    async def get(self) -> ClientContext:
        """The started runtime (built and joined to the session on the first call).

        Raises:
            ClosedError: `aclose` was called.
            ConfigError: The credential or URL is invalid.
        """
        if self._runtime is not None:
            return self._runtime
        if self._lock is None:
            self._lock = asyncio.Lock()  # created lazily: it binds to the caller's loop
        async with self._lock:
            if self._closed:
                raise ClosedError("SamplingClient is closed")
            if self._runtime is None:
                handle = self.handle
                config = load_config(
                    api_key=self._api_key, base_url=handle.base_url, telemetry=handle.telemetry
                )
                runtime = compose_client(config)
                try:
                    await runtime.start(join_session_id=handle.session_id)
                except BaseException:
                    await runtime.aclose()
                    raise
                self._runtime = runtime
        return self._runtime

    async def aclose(self) -> None:
        """Stop heartbeats and close connections (the session itself stays open)."""
        self._closed = True
        if self._runtime is not None:
            await self._runtime.aclose()


def handle_for(
    runtime: ClientContext,
    *,
    session_id: str | None,
    sampling_session_id: str,
    base_model: str,
    model_path: str | None,
    record_stability_info: bool,
) -> SamplerHandle:
    """The handle of a client on `runtime`.

    Args:
        runtime: The client stack the sampler lives on.
        session_id: The owning session; None derives it from a ``<session>:sample:<n>`` id.
        sampling_session_id: The sampler.
        base_model: Its base model.
        model_path: Its weights, if any.
        record_stability_info: The client's flag.

    Raises:
        ConfigError: `runtime` talks to an in-process backend.
    """
    require_shareable(runtime)
    return SamplerHandle(
        session_id=session_id or sampling_session_id.rsplit(":sample:", 1)[0],
        sampling_session_id=sampling_session_id,
        base_url=runtime.base_url,
        base_model=base_model,
        model_path=model_path,
        record_stability_info=record_stability_info,
        telemetry=runtime.config.telemetry,
    )


async def clone_seq_start(runtime: ClientContext, sampling_session_id: str) -> int:
    """The first request seq_id of a rebuilt client.

    The server assigns the clone id when it offers ``join_sampling_session`` (flag
    ``sample_join_sampling_session``); otherwise it is random, as in the official SDK, so
    clones of one sampler rarely collide.
    """
    if runtime.server_config.sample_join_sampling_session:
        joined = await api.sampling.join_session(
            runtime.invoker, JoinSamplingSessionRequest(sampling_session_id=sampling_session_id)
        )
        clone_id = joined.client_counter
    else:
        clone_id = uuid.uuid4().int % CLONE_SEQ_STRIDE + 1
    return CLONE_SEQ_STRIDE * clone_id
