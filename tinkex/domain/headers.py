"""Request headers: the fixed SDK identification set and per-request assembly.

Everything here is pure except `detect_platform`, which reads the `platform` module once and is
cached. `current_sdk_method` carries the outermost public SDK method in progress; the clients
enter `sdk_method("TrainingClient.forward_backward")` and every request sent inside it says so
in `x-sdk-method` (asyncio copies the context into tasks, so background work started there
inherits it, and background traffic started elsewhere does not).
"""

from __future__ import annotations

import functools
import platform
import sys
from contextvars import ContextVar, Token
from typing import TYPE_CHECKING, Literal

import msgspec

from tinkex.domain.service_spec import USER_AGENT

if TYPE_CHECKING:
    from collections.abc import Iterable, Sequence

__all__ = [
    "MEDIA_TYPES",
    "PlatformInfo",
    "base_headers",
    "current_sdk_method",
    "detect_platform",
    "format_timeout",
    "merge_headers",
    "request_headers",
    "sdk_method",
]

MEDIA_TYPES = {"json": "application/json", "protobuf": "application/x-protobuf"}
"""Manifest codec names to media types (for `Accept` and `Content-Type`)."""

current_sdk_method: ContextVar[str | None] = ContextVar("tinkex_sdk_method", default=None)
"""``"<Class>.<method>"`` of the outermost public SDK method running in this context."""


class sdk_method:  # noqa: N801  # used like a function: `with sdk_method("X.y"):`
    """Mark requests sent inside the block as made by the public method `name`.

    Nested calls keep the outermost name, as the official SDK does. (A small class rather
    than a generator-based context manager: it is entered on every public call.)

    Args:
        name: ``"<Class>.<method>"``, e.g. ``"SamplingClient.sample"``.
    """

    __slots__ = ("_name", "_token")

    def __init__(self, name: str) -> None:
        self._name = name
        self._token: Token[str | None] | None = None

    def __enter__(self) -> None:
        if current_sdk_method.get() is None:
            self._token = current_sdk_method.set(self._name)

    def __exit__(self, *exc_info: object) -> None:
        token, self._token = self._token, None
        if token is not None:
            current_sdk_method.reset(token)


class PlatformInfo(msgspec.Struct, frozen=True, kw_only=True):
    """The runtime description sent in the `X-Stainless-*` headers.

    Attributes:
        os: ``Linux``, ``MacOS``, ``Windows``, ``FreeBSD``, ``OpenBSD``, ``iOS``, ``Android``,
            ``Other:<platform>`` or ``Unknown``.
        arch: ``x64``, ``arm64``, ``arm``, ``x32``, ``other:<machine>`` or ``unknown``.
        runtime: Python implementation, e.g. ``CPython``.
        runtime_version: e.g. ``3.11.7``.
    """

    os: str
    arch: str
    runtime: str
    runtime_version: str


def _os_name(system: str, platform_name: str) -> str:
    if "iphone" in platform_name or "ipad" in platform_name:
        return "iOS"
    if system == "darwin":
        return "MacOS"
    if system == "windows":
        return "Windows"
    if "android" in platform_name:
        return "Android"
    if system == "linux":
        return "Linux"
    if system in ("freebsd", "openbsd"):
        return {"freebsd": "FreeBSD", "openbsd": "OpenBSD"}[system]
    return f"Other:{platform_name}" if platform_name else "Unknown"


def _arch_name(machine: str, is_32bit: bool) -> str:
    if machine in ("arm64", "aarch64"):
        return "arm64"
    if machine == "arm":
        return "arm"
    if machine in ("x86_64", "amd64"):
        return "x64"
    if is_32bit:
        return "x32"
    return f"other:{machine}" if machine else "unknown"


@functools.cache
def detect_platform() -> PlatformInfo:
    """Describe the running interpreter and machine (computed once per process)."""
    return PlatformInfo(
        os=_os_name(platform.system().lower(), platform.platform().lower()),
        arch=_arch_name(platform.machine().lower(), sys.maxsize <= 2**32),
        runtime=platform.python_implementation(),
        runtime_version=platform.python_version(),
    )


def base_headers(sdk_version: str, *, platform_info: PlatformInfo) -> list[tuple[str, str]]:
    """Return the identification headers sent on every request.

    Args:
        sdk_version: The wire version string.
        platform_info: The runtime description (usually `detect_platform()`).
    """
    return [
        ("User-Agent", USER_AGENT.format(sdk_version=sdk_version)),
        ("X-Stainless-Package-Version", sdk_version),
        ("X-Stainless-OS", platform_info.os),
        ("X-Stainless-Arch", platform_info.arch),
        ("X-Stainless-Runtime", platform_info.runtime),
        ("X-Stainless-Runtime-Version", platform_info.runtime_version),
        ("X-Stainless-Async", "async:asyncio"),
        ("x-sdk-version", sdk_version),
    ]


def format_timeout(seconds: float) -> str:
    """Format a timeout for `x-stainless-read-timeout` (``60``, ``45``, ``5.5``)."""
    return f"{seconds:g}"


def merge_headers(*groups: Iterable[tuple[str, str]]) -> list[tuple[str, str]]:
    """Merge header groups; a later value replaces an earlier one of any case.

    The surviving header keeps the position where its name first appeared and the spelling
    of its last occurrence.

    Args:
        groups: Header pairs, lowest precedence first.
    """
    merged: dict[str, tuple[str, str]] = {}
    for group in groups:
        for name, value in group:
            merged[name.lower()] = (name, value)
    return list(merged.values())


def request_headers(
    common: Sequence[tuple[str, str]],
    *,
    accept: str,
    content_type: str | None,
    timeout_s: float,
    endpoint_headers: Sequence[tuple[str, str]],
    caller_headers: Iterable[tuple[str, str]],
    sdk_method: str | Literal[False] | None = False,
) -> list[tuple[str, str]]:
    """Assemble the headers shared by every attempt of one logical request.

    Precedence, lowest first: `common` (identification, defaults, credentials), negotiation
    (`Accept`, `Content-Type`, read timeout), the endpoint's own headers, `x-sdk-method` from
    the current context, then the caller's headers. Outside a public method (no
    `x-sdk-method`), `x-sdk-version` is left out too.

    Args:
        common: Identification, default and credential headers.
        accept: Manifest codec name of the wanted response (``json`` or ``protobuf``).
        content_type: Media type of the body, or None when there is no body.
        timeout_s: Per-attempt timeout, advertised in `x-stainless-read-timeout`.
        endpoint_headers: Headers the endpoint always sends.
        caller_headers: Headers passed to this call.
        sdk_method: The method to name in `x-sdk-method` (None: none, so no `x-sdk-version`
            either, as for background traffic and the JSON-era wire); False: the current one.
    """
    negotiation = [("Accept", MEDIA_TYPES.get(accept, accept))]
    if content_type is not None:
        negotiation.append(("Content-Type", content_type))
    negotiation.append(("x-stainless-read-timeout", format_timeout(timeout_s)))
    method = current_sdk_method.get() if sdk_method is False else sdk_method
    context = [("x-sdk-method", method)] if method is not None else []
    if method is None:
        # Like x-sdk-method, x-sdk-version marks traffic of a public method; background
        # requests (config, session creation, heartbeats, polls) carry neither.
        common = [(name, value) for name, value in common if name.lower() != "x-sdk-version"]
    return merge_headers(common, negotiation, endpoint_headers, context, caller_headers)
