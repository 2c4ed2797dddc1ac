"""What every example shares: command-line options, the ServiceClient, a few data builders.

Every example runs offline by default, against the embedded backend in-process
(``--base-url local``), keeping its checkpoints in a temporary directory unless
``--data-dir`` is given. Point ``--base-url`` (or ``TINKER_BASE_URL``) at a real service and
set ``TINKER_API_KEY`` / ``TINKER_BASE_MODEL`` to run the same code live.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import tinkex
from tinkex import types
from tinkex.bootstrap.adapters import local_adapters

if TYPE_CHECKING:
    from collections.abc import AsyncIterator, Sequence

    from tinkex.local import LocalBackend
    from tinkex.ports.pool import ConnectionPool
    from tinkex.ports.transport import HttpRequest, HttpResponse, PoolKind, Transport
    from tinkex.tokenizer import Tokenizer

LOCAL = "local"
DEFAULT_MODEL = "tinkex/tiny-byte-lm"


def parser(description: str | None) -> argparse.ArgumentParser:
    """An argument parser with the options every example takes."""
    first_line = (description or "").strip().splitlines()[0] if description else None
    p = argparse.ArgumentParser(description=first_line)
    p.add_argument(
        "--base-url",
        default=os.environ.get("TINKER_BASE_URL", LOCAL),
        help="service URL, or 'local' for the embedded backend (default)",
    )
    p.add_argument(
        "--base-model",
        default=os.environ.get("TINKER_BASE_MODEL", DEFAULT_MODEL),
        help="model to train or sample",
    )
    p.add_argument("--data-dir", type=Path, default=None, help="embedded backend data directory")
    p.add_argument("--quick", action="store_true", help="smallest settings (used by the tests)")
    return p


def is_local(args: argparse.Namespace) -> bool:
    """True when the example talks to the embedded backend."""
    return str(args.base_url) == LOCAL


@contextlib.contextmanager
def data_dir(args: argparse.Namespace) -> Any:
    """The embedded backend's data directory: ``--data-dir`` or a temporary one."""
    if args.data_dir is not None:
        yield Path(args.data_dir)
        return
    with tempfile.TemporaryDirectory(prefix="tinkex-example-") as scratch:
        yield Path(scratch)


@contextlib.asynccontextmanager
async def service_client(
    args: argparse.Namespace,
    *,
    telemetry: bool = False,
    backend: LocalBackend | None = None,
    **kwargs: Any,
) -> AsyncIterator[tinkex.ServiceClient]:
    """A started ServiceClient for the example's base URL (closed on exit)."""
    with data_dir(args) as directory:
        if backend is not None:
            service = tinkex.ServiceClient(backend=backend, telemetry=telemetry, **kwargs)
        elif is_local(args):
            service = tinkex.ServiceClient(
                base_url=LOCAL, local_data_dir=directory, telemetry=telemetry, **kwargs
            )
        else:
            service = tinkex.ServiceClient(base_url=args.base_url, telemetry=telemetry, **kwargs)
        async with service:
            yield service


def next_token_datum(tokens: Sequence[int], weight: float = 1.0) -> types.Datum:
    """A next-token-prediction datum: input ``tokens[:-1]``, targets ``tokens[1:]``."""
    inputs, targets = list(tokens[:-1]), list(tokens[1:])
    return types.Datum(
        model_input=types.ModelInput.from_ints(inputs),
        loss_fn_inputs={"target_tokens": targets, "weights": [weight] * len(targets)},
    )


def text_datum(tokenizer: Tokenizer, text: str) -> types.Datum:
    """A next-token datum of `text` (with BOS)."""
    return next_token_datum(tokenizer.encode(text, add_bos=True))


def prompt(tokenizer: Tokenizer, text: str) -> types.ModelInput:
    """A prompt of `text` (with BOS)."""
    return types.ModelInput.from_ints(tokenizer.encode(text, add_bos=True))


def banner(title: str) -> None:
    """Print a section title."""
    print(f"\n== {title} ==")


class RecordingTransport:
    """A transport wrapper that records ``(method, path, status)`` of every exchange."""

    def __init__(self, inner: Transport, log: list[tuple[str, str, int]]) -> None:
        self._inner = inner
        self._log = log

    async def send(self, request: HttpRequest, /) -> HttpResponse:
        response = await self._inner.send(request)
        self._log.append((request.method, urlsplit(request.url).path, response.status))
        return response

    async def aclose(self) -> None:
        await self._inner.aclose()


class RecordingPool:
    """A ConnectionPool whose transports record every exchange in `log`."""

    def __init__(self, inner: ConnectionPool) -> None:
        self._inner = inner
        self.log: list[tuple[str, str, int]] = []

    def transport_for(self, kind: PoolKind, /) -> Transport:
        return RecordingTransport(self._inner.transport_for(kind), self.log)

    async def aclose(self) -> None:
        await self._inner.aclose()


def recorded_local_service(backend: LocalBackend) -> tuple[tinkex.ServiceClient, RecordingPool]:
    """A ServiceClient over `backend` (which it closes) whose HTTP exchanges are recorded."""
    adapters = local_adapters(backend, owns_backend=True)
    pool = RecordingPool(adapters.pool)
    adapters.pool = pool
    return tinkex.ServiceClient(base_url=LOCAL, adapters=adapters, telemetry=False), pool
