"""Hand-written bases of the generated `tinkex.sync` clients: constructors, context managers.

`tinkex/sync/clients.py` derives ``<Class>`` from ``<Class>Base`` here for every client of
the manifest; the methods come from the manifest, what cannot (how a client is built and
closed, the attributes it shows) is written here.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Generic, Self, TypeVar

from tinkex.clients.rest import RestClient as AsyncRestClient
from tinkex.clients.sampling import SamplingClient as AsyncSamplingClient
from tinkex.clients.service import ServiceClient as AsyncServiceClient
from tinkex.clients.training import TrainingClient as AsyncTrainingClient
from tinkex.sync.loop import LoopThread, default_loop

if TYPE_CHECKING:
    from collections.abc import Mapping
    from types import TracebackType

__all__ = [
    "RestClientBase",
    "SamplingClientBase",
    "ServiceClientBase",
    "SyncClient",
    "TrainingClientBase",
]

A = TypeVar("A")


class SyncClient(Generic[A]):
    """A blocking twin of the tinkex client `A`, running it on `tinkex.sync`'s loop."""

    _inner: A
    _loop: LoopThread

    @classmethod
    def wrap(cls, inner: A, loop: LoopThread) -> Self:
        """The twin of `inner`, a client living on `loop` (how the other methods build one)."""
        client = cls.__new__(cls)
        client._inner = inner
        client._loop = loop
        return client

    @property
    def async_client(self) -> A:
        """The tinkex client behind this one; it lives on `tinkex.sync`'s loop thread."""
        return self._inner

    def result(self, timeout: float | None = None) -> Self:
        """This client: creation methods return the client itself, ready.

        The official SDK returns a future of the client there; ``.result()`` keeps such
        code working.
        """
        return self

    async def result_async(self, timeout: float | None = None) -> Self:  # noqa: ASYNC109  # the official futures' API takes a timeout, like concurrent.futures
        """This client (the awaitable form of `result`)."""
        return self

    def __repr__(self) -> str:
        return f"<tinkex.sync {self._inner!r}>"


def _ended(exc: BaseException | None) -> str:
    if exc is None:
        return "success"
    return "errored" if isinstance(exc, Exception) else "interrupted"


class ServiceClientBase(SyncClient[AsyncServiceClient]):
    """Builds the session on `tinkex.sync`'s loop; a context manager that finishes it.

    Args:
        user_metadata: Stored with the session.
        project_id: The project new runs belong to; default ``TINKER_PROJECT_ID``.
        display_name: A human-readable session name.
        base_url: The service URL (default ``TINKER_BASE_URL``); ``"local"`` runs the
            embedded backend in-process.
        api_key: The API key (default ``TINKER_API_KEY``).
        default_headers_overrides: Extra headers on every request.
        **options: Any other `tinkex.ServiceClient` option (``telemetry=``, ``backend=``,
            ``local_data_dir=``...).
    """

    def __init__(
        self,
        user_metadata: Mapping[str, Any] | None = None,
        project_id: str | None = None,
        *,
        display_name: str | None = None,
        base_url: str | None = None,
        api_key: str | None = None,
        default_headers_overrides: Mapping[str, str] | None = None,
        **options: Any,
    ) -> None:
        loop = default_loop()
        headers = options.pop("default_headers", None) or default_headers_overrides

        def build() -> AsyncServiceClient:
            return AsyncServiceClient(
                user_metadata=user_metadata,
                project_id=project_id,
                display_name=display_name,
                base_url=base_url,
                api_key=api_key,
                default_headers=headers,
                **options,
            )

        self._inner = loop.call(build)
        self._loop = loop
        loop.track(self._inner)

    @property
    def closed(self) -> bool:
        """True once the session was closed."""
        return self._inner.closed

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        detail = None if exc is None else type(exc).__name__
        self._loop.run(self._inner.close(_ended(exc), detail))


class TrainingClientBase(SyncClient[AsyncTrainingClient]):
    """Shows the run's identity."""

    @property
    def model_id(self) -> str:
        """The training run id (``<session>:train:<n>``)."""
        return self._inner.model_id

    @property
    def base_model(self) -> str:
        """The model the run fine-tunes."""
        return self._inner.base_model


class SamplingClientBase(SyncClient[AsyncSamplingClient]):
    """Shows the sampler's identity."""

    @property
    def sampling_session_id(self) -> str:
        """The server's id of this sampler."""
        return self._inner.sampling_session_id

    @property
    def base_model(self) -> str:
        """The model the sampler runs."""
        return self._inner.base_model


class RestClientBase(SyncClient[AsyncRestClient]):
    """``RestClient()`` on its own opens its own (lazily started) session; close it when done.

    Args:
        base_url: The service URL (default ``TINKER_BASE_URL``).
        api_key: The API key (default ``TINKER_API_KEY``).
        **options: Any other `tinkex.ServiceClient` option.
    """

    _owner: AsyncServiceClient | None = None

    def __init__(
        self, *, base_url: str | None = None, api_key: str | None = None, **options: Any
    ) -> None:
        loop = default_loop()
        owner = loop.call(lambda: AsyncServiceClient(base_url=base_url, api_key=api_key, **options))
        loop.track(owner)
        self._owner = owner
        self._inner = loop.call(owner.create_rest_client)
        self._loop = loop

    def close(self) -> None:
        """Close the session a ``RestClient()`` opened (nothing for one from a service)."""
        if self._owner is not None:
            self._loop.run(self._owner.close())

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()
