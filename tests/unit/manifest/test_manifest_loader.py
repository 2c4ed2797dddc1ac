"""The manifest loader: the shipped manifest, and errors that name key path and line."""

from __future__ import annotations

import re

import pytest

from tinkex.errors import ManifestError
from tinkex.manifest import load_manifest
from tinkex.manifest.features import FuturesFeature, RetryPolicyFeature
from tinkex.manifest.loader import default_manifest_path
from tinkex.ports.transport import PoolKind

TEXT = default_manifest_path().read_text(encoding="utf-8")

# Spec §4 rows (method, path) plus the legacy and Tinkex-only routes.
SPEC_ROUTES = {
    ("POST", "/api/v1/client/config"),
    ("POST", "/api/v1/client/dynamic_config"),
    ("POST", "/api/v1/auth/token"),
    ("POST", "/api/v1/create_session"),
    ("POST", "/api/v1/session_heartbeat"),
    ("POST", "/api/v1/sessions/{session_id}/finish"),
    ("POST", "/api/v1/create_model"),
    ("POST", "/api/v1/get_info"),
    ("POST", "/api/v1/forward_backward"),
    ("POST", "/api/v1/optim_step"),
    ("POST", "/api/v1/save_weights"),
    ("POST", "/api/v1/save_weights_for_sampler"),
    ("POST", "/api/v1/save_weights_external"),
    ("POST", "/api/v1/load_weights"),
    ("POST", "/api/v1/create_sampling_session"),
    ("POST", "/api/v1/join_sampling_session"),
    ("POST", "/api/v1/asample"),
    ("POST", "/api/v1/retrieve_future"),
    ("POST", "/api/v1/retrieve_futures"),
    ("POST", "/api/v1/cancel_future"),
    ("POST", "/api/v1/create_custom_loss"),
    ("POST", "/api/v1/telemetry"),
    ("GET", "/api/v1/get_server_capabilities"),
    ("GET", "/api/v1/healthz"),
    ("GET", "/api/v1/training_runs"),
    ("GET", "/api/v1/training_runs/{run_id}"),
    ("GET", "/api/v1/training_runs/{run_id}/checkpoints"),
    ("DELETE", "/api/v1/training_runs/{run_id}/checkpoints/{checkpoint_id}"),
    ("POST", "/api/v1/training_runs/{run_id}/checkpoints/{checkpoint_id}/publish"),
    ("DELETE", "/api/v1/training_runs/{run_id}/checkpoints/{checkpoint_id}/publish"),
    ("PUT", "/api/v1/training_runs/{run_id}/checkpoints/{checkpoint_id}/ttl"),
    ("GET", "/api/v1/training_runs/{run_id}/checkpoints/{checkpoint_id}/external_weights_urls"),
    ("GET", "/api/v1/checkpoints"),
    ("POST", "/api/v1/weights_info"),
    ("POST", "/api/v1/copy_weights"),
    ("GET", "/api/v1/sessions"),
    ("GET", "/api/v1/sessions/{session_id}"),
    ("PUT", "/api/v1/sessions/{session_id}/project"),
    ("GET", "/api/v1/sessions/{session_id}/trace_export"),
    ("POST", "/api/v1/sessions/search"),
    ("GET", "/api/v1/samplers/{sampler_id}"),
    ("GET", "/api/v1/audit"),
    ("GET", "/api/v1/billing/usage/events"),
    ("GET", "/api/v1/billing/usage/checkpoints/current"),
    ("GET", "/api/v1/auth/apikey/me"),
    ("DELETE", "/api/v1/auth/apikey/me"),
    ("POST", "/api/v1/forward"),
    ("GET", "/api/v1/training_runs/{run_id}/checkpoints/{checkpoint_id}/archive"),
    ("POST", "/api/v1/unload_model"),
    ("POST", "/api/v1/stream_sample"),
}


def test_shipped_manifest_declares_every_spec_route() -> None:
    """Every endpoint of the official SDK 0.38 plus the legacy and streaming routes is declared."""
    manifest = load_manifest()
    routes = {(e.method, e.path) for e in manifest.endpoints.values()}
    assert routes == SPEC_ROUTES


def test_shipped_manifest_carries_wire_facts() -> None:
    """Futures, retries, pools, headers and legacy bodies follow the spec."""
    manifest = load_manifest()
    asample = manifest.endpoints["sampling.asample"]
    assert asample.headers == {"X-Tinker-Sampling-Backpressure": "1"}
    assert asample.max_retries == 0
    assert asample.pool is PoolKind.SAMPLE
    assert asample.future is not None
    assert asample.future.request_type == "Sample"
    assert manifest.endpoints["futures.retrieve"].timeout_s == 45.0
    assert manifest.endpoints["training.forward_backward"].body == "protobuf"
    legacy = manifest.types["ForwardRequestLegacy"]
    assert "forward_input" in legacy.fields
    futures = manifest.features["futures"]
    assert isinstance(futures, FuturesFeature)
    assert futures.retrieve_endpoint == "futures.retrieve"
    assert manifest.service.auth.header == "X-API-Key"
    retry = manifest.features["retry_standard"]
    assert isinstance(retry, RetryPolicyFeature)
    assert retry.backoff.max_s == 10.0
    assert manifest.errors.status[402] == "BillingError"


def _mutate(anchor: str, old: str, new: str) -> tuple[str, int]:
    """Replace the first line equal to `old` after the line `anchor`; return text and line."""
    lines = TEXT.splitlines()
    start = lines.index(anchor)
    index = next(i for i in range(start, len(lines)) if lines[i] == old)
    lines[index : index + 1] = new.splitlines()
    return "\n".join(lines) + "\n", index + 1


def _line_of(anchor: str) -> int:
    return TEXT.splitlines().index(anchor) + 1


BROKEN = [
    pytest.param(
        "  training.forward_backward:",
        "    method: POST",
        "    methdo: POST",
        "endpoints.training.forward_backward.methdo",
        "unknown key",
        id="unknown-endpoint-key",
    ),
    pytest.param(
        "  training.forward_backward:",
        "    method: POST",
        "    method: FETCH",
        "endpoints.training.forward_backward.method",
        "FETCH",
        id="bad-method",
    ),
    pytest.param(
        "  training.optim_step:",
        "    pool: train",
        "    max_retries: many\n    pool: train",
        "endpoints.training.optim_step.max_retries",
        "Expected `int`",
        id="wrong-type",
    ),
    pytest.param(
        "  training.optim_step:",
        "    pool: train",
        "    pool: gpu",
        "endpoints.training.optim_step.pool",
        "gpu",
        id="unknown-pool-kind",
    ),
    pytest.param(
        "  training.optim_step:",
        "    features: [retry_standard, retry_outer, futures]",
        "    features: [retry_standard, retry_outr, futures]",
        "endpoints.training.optim_step.features[1]",
        "unknown feature 'retry_outr'",
        id="unknown-feature",
    ),
    pytest.param(
        "  session.finish:",
        "    path_params: [session_id]",
        "    path_params: [session_id, model_id]",
        "endpoints.session.finish.path_params[1]",
        "not in the path",
        id="path-param-not-in-path",
    ),
    pytest.param(
        "  training.optim_step:",
        "    request: OptimStepRequest",
        "    request: OptimStepRequset",
        "endpoints.training.optim_step.request",
        "unknown type 'OptimStepRequset'",
        id="unknown-request-type",
    ),
    pytest.param(
        "  CreateModelResponse:",
        "    fields: {model_id: string}",
        "    fields: {model_id: strnig}",
        "types.CreateModelResponse.fields.model_id",
        "unknown type 'strnig'",
        id="unknown-field-type",
    ),
    pytest.param(
        "  retry_standard:",
        "    honor_should_retry: true",
        "    honour_should_retry: true",
        "features.retry_standard.honour_should_retry",
        "unknown key",
        id="unknown-feature-setting",
    ),
    pytest.param(
        "  rate_limiter:",
        "    type: rate_limiter",
        "    type: rate_limitr",
        "features.rate_limiter.type",
        "unknown type 'rate_limitr'",
        id="unknown-feature-type",
    ),
    pytest.param(
        "  create_lora_training_client:",
        "      - call: models.create",
        "      - call: models.craete",
        "flows.create_lora_training_client.steps[6].call",
        "unknown endpoint or flow 'models.craete'",
        id="flow-unknown-endpoint",
    ),
    pytest.param(
        "  create_sampling_client:",
        "      - build_client: sampling",
        "      - build_client: sampler",
        "flows.create_sampling_client.steps[5].build_client",
        "unknown client 'sampler'",
        id="flow-unknown-client",
    ),
    pytest.param(
        "errors:",
        "    409: ConflictError",
        "    409: ConflictErorr",
        "errors.status.409",
        "not a status error class",
        id="unknown-error-class",
    ),
]


@pytest.mark.parametrize(("anchor", "old", "new", "key_path", "fragment"), BROKEN)
def test_broken_manifest_error_names_key_path_and_line(
    anchor: str, old: str, new: str, key_path: str, fragment: str
) -> None:
    """Each broken manifest raises ManifestError naming the key path and its line."""
    text, line = _mutate(anchor, old, new)
    with pytest.raises(ManifestError) as caught:
        load_manifest(text, source="broken.yaml")
    error = caught.value
    assert error.key_path == key_path
    assert error.line == line
    assert fragment in str(error)
    assert str(error).startswith(f"broken.yaml:{line}: {key_path}: ")


def test_missing_required_key_points_at_its_parent() -> None:
    """A missing key is named in the key path; the line is that of its parent mapping."""
    text, _ = _mutate("  training.optim_step:", "    pool: train", "")
    with pytest.raises(ManifestError) as caught:
        load_manifest(text)
    assert caught.value.key_path == "endpoints.training.optim_step.pool"
    assert caught.value.line == _line_of("  training.optim_step:")
    assert "missing required key" in str(caught.value)


def test_undeclared_path_placeholder_is_rejected() -> None:
    """A {placeholder} in the path that is not a declared path parameter is an error."""
    text, line = _mutate(
        "  session.finish:",
        "    path: /api/v1/sessions/{session_id}/finish",
        "    path: /api/v1/sessions/{session_id}/finish/{reason}",
    )
    with pytest.raises(ManifestError, match=re.escape("{reason}")) as caught:
        load_manifest(text)
    assert (caught.value.key_path, caught.value.line) == ("endpoints.session.finish.path", line)


def test_invalid_yaml_reports_its_line() -> None:
    """A YAML syntax error is a ManifestError with the line of the problem."""
    text, line = _mutate("  training.optim_step:", "    pool: train", "    pool: [train")
    with pytest.raises(ManifestError) as caught:
        load_manifest(text)
    assert caught.value.line is not None
    assert caught.value.line >= line


def test_unknown_top_level_key_is_rejected() -> None:
    """Unknown top-level sections are rejected at their own line."""
    text = TEXT + "extras: {a: 1}\n"
    with pytest.raises(ManifestError) as caught:
        load_manifest(text)
    assert caught.value.key_path == "extras"
    assert caught.value.line == len(TEXT.splitlines()) + 1
