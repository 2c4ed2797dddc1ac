"""Walk the official SDK 0.38's public surface and list what tinkex lacks of it.

Every gap must be documented here, with why, and in docs/migration.md; a documented entry
that no longer matches a gap must go (the list stays true both ways).
"""

from __future__ import annotations

import fnmatch
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from official_sdk import official_surface
from surface_gaps import async_gaps, name_gaps, sync_gaps

if TYPE_CHECKING:
    from collections.abc import Iterable

MIGRATION_GUIDE = Path(__file__).resolve().parents[2] / "docs" / "migration.md"

DELIBERATELY_ABSENT: dict[str, str] = {
    "*.get_telemetry": "telemetry: ServiceClient.telemetry_reporter() or a telemetry= sink",
    "ServiceClient.holder": "the official SDK's internal holder (tinkex: ServiceClient.runtime)",
    "ServiceClient.create_custom_loss": "server-side custom losses; tinkex runs them client-side",
    "TrainingClient.forward_backward_custom*(loss_type_input)": "a custom loss gets logprobs",
    "ServiceClient.get_console_url": "session pages: paths.session_console_url(session id)",
    "*.create_sampling_client*(retry_config)": "sampling retries are configured per client stack",
    "*.save_weights_and_get_sampling_client*(retry_config)": "as create_sampling_client",
    "*(record_stability_info@*)": "taken by keyword only",
    "*(kind@*)": "taken by keyword only",
    "SamplingClient.sample*(*@*)": "arguments after topk_prompt_logprobs by keyword only",
    "SamplingClient.create": "an internal factory (use ServiceClient.create_sampling_client)",
    "SamplingClient.on_queue_state_change": "an internal hook (add_queue_state_observer)",
    "TrainingClient.__init__(*)": "made by the ServiceClient, not by hand",
    "SamplingClient.__init__(*)": "made by the ServiceClient, not by hand",
    "*Client.__init__(_holder*)": "the official SDK's internal holder",
    "RestClient.__init__(api_key)": "async: ServiceClient(...).create_rest_client()",
    "RestClient.__init__(base_url)": "async: ServiceClient(...).create_rest_client()",
    "ServiceClient.__init__(user_metadata@0)": "async tinkex.ServiceClient takes keywords",
    "ServiceClient.__init__(project_id@1)": "async tinkex.ServiceClient takes keywords",
    "ServiceClient.__init__(default_headers_overrides)": "async: default_headers=",
    "APIFuture.future": "async: no concurrent future in asyncio code (tinkex.sync has one)",
}

NAMES_ABSENT: dict[str, str] = {
    "APIResponse": "tinkex returns decoded types, not raw responses",
    "AsyncAPIResponse": "tinkex returns decoded types, not raw responses",
    "APIResponseValidationError": "tinkex raises DecodeError",
    "BackcompatSamplingClientFuture": "tinkex.sync returns the client itself",
    "BackcompatTrainingClientFuture": "tinkex.sync returns the client itself",
    "ExperimentalWarning": "nothing in tinkex is experimental",
    "LossHandle": "server-side custom losses",
    "PerDatumLossFn": "server-side custom losses",
    "ModelID": "a training run id is a str",
    "ParsedCheckpointTinkerPath": "tinkex.domain.paths.parse_tinker_path",
    "RequestOptions": "per-call options: timeouts live in the manifest",
    "Timeout": "per-call options: timeouts live in the manifest",
    "auth": "credentials: TINKER_API_KEY or api_key=",
    "lib": "the official SDK's internals",
    "proto": "the official SDK's internals",
    "resources": "the official SDK's internals",
}


@pytest.fixture(scope="module")
def surface(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """The official surface (the test is skipped without the official SDK's interpreter)."""
    return official_surface(tmp_path_factory.mktemp("official-surface"))


def _unexplained(found: Iterable[str], patterns: Iterable[str]) -> list[str]:
    return [gap for gap in found if not any(fnmatch.fnmatchcase(gap, p) for p in patterns)]


def test_every_method_and_argument_tinkex_lacks_is_documented(surface: dict[str, Any]) -> None:
    """tinkex.sync has the whole official surface, tinkex every official name, but for these."""
    assert surface["version"] == "0.38.0"
    found = sync_gaps(surface["classes"]) + async_gaps(surface["classes"])
    assert _unexplained(found, DELIBERATELY_ABSENT) == []
    stale = [p for p in DELIBERATELY_ABSENT if not any(fnmatch.fnmatchcase(g, p) for g in found)]
    assert stale == [], "no longer absent: remove from DELIBERATELY_ABSENT and the guide"


def test_every_official_name_missing_from_tinkex_sync_is_documented(
    surface: dict[str, Any],
) -> None:
    """``import tinkex.sync as tinker`` offers the official top-level names, but for these."""
    found = name_gaps(surface["names"])
    assert found == sorted(NAMES_ABSENT)


def test_the_migration_guide_documents_every_absence() -> None:
    """docs/migration.md names each deliberately absent member and name."""
    guide = MIGRATION_GUIDE.read_text(encoding="utf-8")
    missing = [p for p in (*DELIBERATELY_ABSENT, *NAMES_ABSENT) if f"`{p}`" not in guide]
    assert missing == []


def test_the_official_async_names_are_all_there(surface: dict[str, Any]) -> None:
    """No *_async method of the official clients is missing (only some arguments, above)."""
    missing = [
        f"{cls}.{name}"
        for cls, members in surface["classes"].items()
        for name in members
        if name.endswith("_async") and cls != "AdminClient"
        for view in (async_gaps, sync_gaps)
        if f"{cls}.{name}" in view(surface["classes"])
    ]
    assert missing == []
