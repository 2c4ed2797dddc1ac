"""x-sdk-version travels with x-sdk-method: only on traffic of a public SDK method."""

from __future__ import annotations

from tinkex.domain.headers import base_headers, detect_platform, request_headers, sdk_method


def _names(method: str | None) -> set[str]:
    common = base_headers("0.38.0", platform_info=detect_platform())

    def build() -> list[tuple[str, str]]:
        return request_headers(
            common,
            accept="json",
            content_type="application/json",
            timeout_s=60.0,
            endpoint_headers=(),
            caller_headers=(),
        )

    if method is None:
        return {name.lower() for name, _ in build()}
    with sdk_method(method):
        return {name.lower() for name, _ in build()}


def test_background_requests_carry_neither_sdk_header() -> None:
    """Config fetches, session creation and heartbeats send no x-sdk-version/-method."""
    names = _names(None)
    assert "x-sdk-version" not in names
    assert "x-sdk-method" not in names


def test_public_method_requests_carry_both_sdk_headers() -> None:
    """A request made inside TrainingClient.forward_backward names the method and version."""
    names = _names("TrainingClient.forward_backward")
    assert {"x-sdk-version", "x-sdk-method"} <= names
