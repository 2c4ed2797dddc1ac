"""The headers of the Tinker wire, written out by hand for the raw aiohttp loop.

tinkex and the official SDK 0.38 send these with every request (the platform block, the SDK
version, the idempotency key and retry count, the read timeout, the public method, and on a
poll its iteration and request type; ``shared/spec/tinker-wire.md`` §2). A raw loop that
leaves them out sends cheaper requests than a client of the service can: aiohttp copies and
writes every header in Python, about 140 k instructions per P1 sample for this set
(`benchmarks.instructions`). So the raw loop sends the same set, and stays the floor of a
client sending the same requests. As a careful hand-written client would, it hands the block
that never changes to aiohttp once, as the session's default headers (`fixed`), and builds only
the rest per request.
"""

from __future__ import annotations

import itertools
import platform
import secrets

WIRE_VERSION = "0.38.0"
JSON = "application/json"
PROTO = "application/x-protobuf"

Headers = list[tuple[str, str]]

# The spellings the wire uses for the common platforms (the rest are rarer than a benchmark).
_OS = {"Linux": "Linux", "Darwin": "MacOS", "Windows": "Windows"}
_ARCH = {"x86_64": "x64", "amd64": "x64", "aarch64": "arm64", "arm64": "arm64"}


class WireHeaders:
    """The fixed block (`fixed`, for the session) and each request's own headers.

    Args:
        api_key: The ``X-API-Key`` value.
    """

    def __init__(self, api_key: str) -> None:
        self.fixed: Headers = [
            ("User-Agent", f"AsyncTinkex/Python {WIRE_VERSION}"),
            ("X-Stainless-Package-Version", WIRE_VERSION),
            ("X-Stainless-OS", _OS.get(platform.system(), "Unknown")),
            ("X-Stainless-Arch", _ARCH.get(platform.machine().lower(), "unknown")),
            ("X-Stainless-Runtime", platform.python_implementation()),
            ("X-Stainless-Runtime-Version", platform.python_version()),
            ("X-Stainless-Async", "async:asyncio"),
            ("x-sdk-version", WIRE_VERSION),
            ("X-API-Key", api_key),
        ]
        self._keys = itertools.count()
        self._key_prefix = f"stainless-python-retry-{secrets.token_hex(8)}"

    def _tail(self) -> Headers:
        key = f"{self._key_prefix}{next(self._keys):016x}"
        return [
            ("X-Idempotency-Key", key),
            ("x-stainless-retry-count", "0"),
            ("Accept-Encoding", "gzip, deflate, zstd"),
        ]

    def submit(
        self, method: str, content_type: str = JSON, extra: Headers | None = None
    ) -> Headers:
        """A submission's headers (``asample``, ``forward_backward``, ``create_session``...)."""
        return [
            ("Accept", JSON),
            ("Content-Type", content_type),
            ("x-stainless-read-timeout", "60"),
            *(extra or ()),
            ("x-sdk-method", method),
            *self._tail(),
        ]

    def poll(self, method: str, request_type: str, *, proto: bool, iteration: int) -> Headers:
        """A ``retrieve_future`` poll's headers."""
        return [
            ("Accept", PROTO if proto else JSON),
            ("Content-Type", JSON),
            ("x-stainless-read-timeout", "45"),
            ("X-Stainless-Raw-Response", "raw"),
            ("x-sdk-method", method),
            ("X-Tinker-Request-Iteration", str(iteration)),
            ("X-Tinker-Request-Type", request_type),
            *(() if iteration else (("X-Tinker-Create-Promise-Roundtrip-Time", "0.001"),)),
            *self._tail(),
        ]
