"""Tests of the pure header building in tinkex.domain.headers."""

from __future__ import annotations

import asyncio

import pytest

from tinkex.domain import headers as hdr
from tinkex.domain.headers import (
    PlatformInfo,
    base_headers,
    current_sdk_method,
    merge_headers,
    request_headers,
    sdk_method,
)

LINUX = PlatformInfo(os="Linux", arch="x64", runtime="CPython", runtime_version="3.11.9")


def test_base_headers_identify_the_sdk_and_runtime() -> None:
    """The identification headers name the SDK version and the runtime."""
    assert dict(base_headers("1.2.3", platform_info=LINUX)) == {
        "User-Agent": "AsyncTinkex/Python 1.2.3",
        "X-Stainless-Package-Version": "1.2.3",
        "X-Stainless-OS": "Linux",
        "X-Stainless-Arch": "x64",
        "X-Stainless-Runtime": "CPython",
        "X-Stainless-Runtime-Version": "3.11.9",
        "X-Stainless-Async": "async:asyncio",
        "x-sdk-version": "1.2.3",
    }


@pytest.mark.parametrize(
    ("system", "platform_name", "expected"),
    [
        ("darwin", "macos-14.1-arm64", "MacOS"),
        ("darwin", "darwin-21.6.0-iphone12,1-64bit", "iOS"),
        ("windows", "windows-10", "Windows"),
        ("linux", "linux-5.10-android12-aarch64", "Android"),
        ("linux", "linux-6.1-x86_64-with-glibc2.36", "Linux"),
        ("freebsd", "freebsd-14", "FreeBSD"),
        ("openbsd", "openbsd-7", "OpenBSD"),
        ("haiku", "haiku-r1", "Other:haiku-r1"),
        ("", "", "Unknown"),
    ],
)
def test_os_names_follow_the_stainless_spelling(
    system: str, platform_name: str, expected: str
) -> None:
    """Operating systems are spelled as the Stainless SDKs spell them."""
    assert hdr._os_name(system, platform_name) == expected


@pytest.mark.parametrize(
    ("machine", "is_32bit", "expected"),
    [
        ("x86_64", False, "x64"),
        ("amd64", False, "x64"),
        ("aarch64", False, "arm64"),
        ("arm64", False, "arm64"),
        ("arm", False, "arm"),
        ("i686", True, "x32"),
        ("riscv64", False, "other:riscv64"),
        ("", False, "unknown"),
    ],
)
def test_arch_names_follow_the_stainless_spelling(
    machine: str, is_32bit: bool, expected: str
) -> None:
    """Architectures are spelled as the Stainless SDKs spell them."""
    assert hdr._arch_name(machine, is_32bit) == expected


def test_platform_is_detected_once() -> None:
    """The platform description is computed once and cached."""
    assert hdr.detect_platform() is hdr.detect_platform()


def test_merge_keeps_first_position_and_last_value_case_insensitively() -> None:
    """Later groups override earlier ones whatever the header-name case."""
    merged = merge_headers([("Accept", "a"), ("X-One", "1")], [("accept", "b")])
    assert merged == [("accept", "b"), ("X-One", "1")]


def test_request_headers_negotiate_and_let_the_caller_win() -> None:
    """Accept/Content-Type follow the codecs and caller headers override everything."""
    built = request_headers(
        [("X-API-Key", "k"), ("Accept", "text/plain")],
        accept="protobuf",
        content_type="application/json",
        timeout_s=45.0,
        endpoint_headers=[("X-Tinker-Sampling-Backpressure", "1")],
        caller_headers=[("x-api-key", "other")],
    )
    assert dict(built) == {
        "x-api-key": "other",
        "Accept": "application/x-protobuf",
        "Content-Type": "application/json",
        "x-stainless-read-timeout": "45",
        "X-Tinker-Sampling-Backpressure": "1",
    }


def test_request_headers_omit_content_type_without_a_body() -> None:
    """Without a body there is no Content-Type; the read timeout is still advertised."""
    built = dict(
        request_headers(
            [],
            accept="json",
            content_type=None,
            timeout_s=5.5,
            endpoint_headers=[],
            caller_headers=[],
        )
    )
    assert "Content-Type" not in built
    assert built["x-stainless-read-timeout"] == "5.5"


def test_sdk_method_header_comes_from_the_outermost_context() -> None:
    """Nested sdk_method blocks keep the outermost name."""

    def method_header() -> str | None:
        built = request_headers(
            [],
            accept="json",
            content_type=None,
            timeout_s=1,
            endpoint_headers=[],
            caller_headers=[],
        )
        return dict(built).get("x-sdk-method")

    assert method_header() is None
    with sdk_method("TrainingClient.forward_backward"), sdk_method("TrainingClient.forward"):
        assert method_header() == "TrainingClient.forward_backward"
    assert current_sdk_method.get() is None


async def test_sdk_method_is_inherited_by_tasks_started_inside_it() -> None:
    """Tasks created inside the block see the method; others do not."""

    async def read() -> str | None:
        return current_sdk_method.get()

    with sdk_method("SamplingClient.sample"):
        task = asyncio.create_task(read())
    background = asyncio.create_task(read())
    assert await task == "SamplingClient.sample"
    assert await background is None
