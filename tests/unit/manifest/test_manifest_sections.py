"""Each section of the manifest drives behaviour: edit it in a copy, regenerate, see it change.

The generated sections (`errors:`, `service:`, the idempotency key format) are checked end to
end: the tinkex package is copied to a temporary directory, its manifest edited and every
generated module regenerated there, and a ServiceClient from that copy runs in a fresh
interpreter against an in-memory server. The shipped behaviour is checked the same way once,
so each test shows a change from it, not just a value.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

import pytest
from regenerated_tree import SHIPPED_TEXT, edit_line, probe, regenerate_copy

from tinkex.bootstrap.settings import read_feature_settings
from tinkex.manifest.generator import generate
from tinkex.manifest.loader import load_manifest

if TYPE_CHECKING:
    from pathlib import Path

SHIPPED_ENV = {"TINKER_API_KEY": "tml-probe-key", "TINKER_TAGS": "a,b"}


@pytest.fixture(scope="module")
def shipped(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """What the probe client does with the manifest as shipped (a copy edited by nothing)."""
    return probe(regenerate_copy(tmp_path_factory.mktemp("shipped"), str), SHIPPED_ENV)


def test_shipped_behaviour_is_what_the_sections_declare(shipped: dict[str, Any]) -> None:
    """The baseline the other tests change: the shipped errors, service and key format."""
    headers = shipped["create_session_headers"]
    assert shipped["raised"] == "NotFoundError"
    assert headers["X-API-Key"] == "tml-probe-key"
    assert headers["User-Agent"] == "AsyncTinkex/Python 0.38.0"
    assert re.fullmatch(r"stainless-python-retry-[0-9a-f]{32}", headers["X-Idempotency-Key"])
    assert shipped["create_session_body"]["sdk_version"] == "0.38.0"
    assert shipped["default_base_url"] == (
        "https://tinker.thinkingmachines.dev/services/tinker-prod"
    )
    assert shipped["env_tags"] == ["a", "b"]
    assert shipped["accepts_tml_keys"]


def test_errors_section_picks_the_class_a_status_raises(
    tmp_path: Path, shipped: dict[str, Any]
) -> None:
    """Map 404 to ConflictError in a copy: the client of that copy raises ConflictError."""
    root = regenerate_copy(
        tmp_path, lambda text: edit_line(text, "    404: NotFoundError", "    404: ConflictError")
    )
    assert probe(root, SHIPPED_ENV)["raised"] == "ConflictError" != shipped["raised"]


def _edit_service(text: str) -> str:
    for old, new in [
        ('  sdk_version: "0.38.0"', '  sdk_version: "9.9.9"'),
        ('  user_agent: "AsyncTinkex/Python {sdk_version}"', '  user_agent: "Probe/{sdk_version}"'),
        (
            "    default: https://tinker.thinkingmachines.dev/services/tinker-prod",
            "    default: https://elsewhere.test/tinker",
        ),
        ("    env: TINKER_BASE_URL", "    env: PROBE_BASE_URL"),
        ("    header: X-API-Key", "    header: X-Probe-Key"),
        ("    env: TINKER_API_KEY", "    env: PROBE_API_KEY"),
        ('    prefix: "tml-"', '    prefix: "prb-"'),
        (
            '    tags: {name: TINKER_TAGS, doc: "Comma-separated session tags."}',
            '    tags: {name: PROBE_TAGS, doc: "Comma-separated session tags."}',
        ),
    ]:
        text = edit_line(text, old, new)
    return text


def test_service_section_drives_config_auth_header_and_user_agent(
    tmp_path: Path, shipped: dict[str, Any]
) -> None:
    """Rename the service's URL, variables, auth header, key prefix and user agent in a copy."""
    root = regenerate_copy(tmp_path, _edit_service)
    seen = probe(
        root,
        {
            "PROBE_API_KEY": "prb-probe-key",
            "PROBE_BASE_URL": "https://from-env.test",
            "PROBE_TAGS": "c",
            **SHIPPED_ENV,  # the shipped names are ignored now
        },
    )
    headers = seen["create_session_headers"]
    assert headers["X-Probe-Key"] == "prb-probe-key"
    assert "X-API-Key" not in headers
    assert headers["User-Agent"] == "Probe/9.9.9"
    assert seen["wire_sdk_version"] == "9.9.9"
    assert seen["create_session_body"]["sdk_version"] == "9.9.9"
    assert seen["default_base_url"] == "https://elsewhere.test/tinker"
    assert seen["env_base_url"] == "https://from-env.test"
    assert seen["env_tags"] == ["c"] != shipped["env_tags"]
    assert not seen["accepts_tml_keys"]


def test_retry_policy_idempotency_prefix_is_what_requests_carry(
    tmp_path: Path, shipped: dict[str, Any]
) -> None:
    """Declare another idempotency prefix in a copy: every key the copy sends starts with it."""
    root = regenerate_copy(
        tmp_path,
        lambda text: edit_line(
            text,
            "    idempotency_prefix: stainless-python-retry-",
            "    idempotency_prefix: probe-key-",
        ),
    )
    key = probe(root, SHIPPED_ENV)["create_session_headers"]["X-Idempotency-Key"]
    assert re.fullmatch(r"probe-key-[0-9a-f]{32}", key)
    assert not shipped["create_session_headers"]["X-Idempotency-Key"].startswith("probe-key-")


def test_telemetry_block_sets_how_long_closing_drains() -> None:
    """`close_drain_s` is the telemetry sink's drain deadline."""
    assert read_feature_settings(load_manifest()).telemetry.drain_timeout_s == 5.0
    text = edit_line(SHIPPED_TEXT, "    close_drain_s: 5.0", "    close_drain_s: 12.5")
    assert read_feature_settings(load_manifest(text)).telemetry.drain_timeout_s == 12.5


def test_documentation_keys_become_the_generated_docstrings() -> None:
    """Field, query-parameter and streaming-endpoint docs are rendered into generated code."""
    day = '      day: {type: "string?", doc: YYYY-MM-DD}'
    tokens = '      tokens: {type: any, doc: "the token ids: a numpy array (int32 when they fit)'
    stream = (
        "    doc: Stream sampled tokens as server-sent events (Tinkex addition; may be "
        "unsupported)."
    )
    shipped = generate(load_manifest())
    assert "``day``: YYYY-MM-DD" in shipped["tinkex/api/admin.py"]
    assert '"""The token ids: a numpy array' in shipped["tinkex/domain/types/model_input.py"]
    assert '"""Stream sampled tokens as server-sent' in shipped["tinkex/api/sampling.py"]
    text = edit_line(SHIPPED_TEXT, day, day.replace("YYYY-MM-DD", "Probe day"))
    text = edit_line(text, stream, "    doc: Probe stream.")
    line = next(x for x in text.splitlines() if x.startswith(tokens))
    text = edit_line(text, line, '      tokens: {type: any, doc: "probe tokens"}')
    edited = generate(load_manifest(text))
    assert "``day``: Probe day" in edited["tinkex/api/admin.py"]
    assert '"""Probe tokens."""' in edited["tinkex/domain/types/model_input.py"]
    assert '"""Probe stream."""' in edited["tinkex/api/sampling.py"]
