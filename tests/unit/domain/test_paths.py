"""Tests for tinker:// path parsing, kind checks and console URLs."""

from __future__ import annotations

import pytest

from tinkex.domain.paths import (
    CheckpointKind,
    CheckpointPath,
    api_key_console_url,
    checkpoint_console_url,
    checkpoint_playground_url,
    new_api_key_console_url,
    parse_checkpoint_id,
    parse_tinker_path,
    require_kind,
    session_console_url,
    training_run_console_url,
)
from tinkex.errors import ValidationError


@pytest.mark.parametrize(
    ("path", "run_id", "segment", "name", "kind"),
    [
        ("tinker://run-1/weights/final", "run-1", "weights", "final", "training"),
        ("tinker://run-1/sampler_weights/a", "run-1", "sampler_weights", "a", "sampler"),
        ("tinker://r/external_weights/x.y", "r", "external_weights", "x.y", "external"),
        (
            "tinker://sess-1:train:0/weights/step-10",
            "sess-1:train:0",
            "weights",
            "step-10",
            "training",
        ),
    ],
)
def test_parse_accepts_every_segment_and_colon_run_ids(
    path: str, run_id: str, segment: str, name: str, kind: str
) -> None:
    parsed = parse_tinker_path(path)
    assert (parsed.training_run_id, parsed.segment, parsed.name) == (run_id, segment, name)
    assert parsed.kind == kind
    assert parsed.checkpoint_id == f"{segment}/{name}"
    assert parsed.tinker_path == path
    assert str(parsed) == path


@pytest.mark.parametrize(
    ("path", "fragment"),
    [
        ("run-1/weights/final", "not a tinker path"),
        ("http://run-1/weights/final", "not a tinker path"),
        ("tinker://run-1", "names no checkpoint"),
        ("tinker://run-1/", "names no checkpoint"),
        ("tinker://run-1/weights", "segment weights/ but no checkpoint"),
        ("tinker://run-1/sampler_weights", "segment sampler_weights/ but no checkpoint"),
        ("tinker:///weights/a", "empty, '.' or '..' training run id"),
        ("tinker://run-1/weights/", "empty, '.' or '..' part"),
        ("tinker://run-1//a", "empty, '.' or '..' part"),
        ("tinker://run-1/sampler_weights/../a", "'..' part"),
        ("tinker://../weights/a", "'..' training run id"),
        ("tinker://run-1/a\nb", "control character"),
        (" tinker://run-1/weights/a", "not a tinker path"),
        ("tinker://run-1/weights/a ", "whitespace"),
        ("", "not a tinker path"),
    ],
)
def test_parse_rejects_what_cannot_be_a_tinker_path_naming_the_field(
    path: str, fragment: str
) -> None:
    with pytest.raises(ValidationError, match=r"^model_path: ") as info:
        parse_tinker_path(path, field="model_path")
    assert info.value.field == "model_path"
    assert fragment in str(info.value)


@pytest.mark.parametrize(
    ("path", "run_id", "checkpoint_id"),
    [
        # Shapes servers other than the official one hand out: kept exactly as given.
        ("tinker://run-1/final", "run-1", "final"),
        ("tinker://sess-1:sample:0/step 10", "sess-1:sample:0", "step 10"),
        ("tinker://run-1/checkpoints/a", "run-1", "checkpoints/a"),
        ("tinker://run-1/weights/a/b", "run-1", "weights/a/b"),
    ],
)
def test_parse_keeps_other_server_shapes_exactly_as_given(
    path: str, run_id: str, checkpoint_id: str
) -> None:
    parsed = parse_tinker_path(path)
    assert parsed.training_run_id == run_id
    assert parsed.checkpoint_id == checkpoint_id
    assert parsed.tinker_path == path
    assert str(parsed) == path


def test_a_path_of_unknown_kind_passes_every_kind_check() -> None:
    parsed = parse_tinker_path("tinker://run-1/final")
    assert (parsed.segment, parsed.kind) == (None, None)
    for kinds in ({"sampler"}, {"training"}, {"external"}):
        assert require_kind("tinker://run-1/final", kinds) == parsed  # type: ignore[arg-type]


def test_a_known_segment_with_a_longer_name_keeps_its_kind() -> None:
    parsed = parse_tinker_path("tinker://run-1/weights/a/b")
    assert (parsed.segment, parsed.name, parsed.kind) == ("weights", "a/b", "training")
    with pytest.raises(ValidationError, match="save_weights_for_sampler"):
        require_kind(parsed, {"sampler"})


def test_require_kind_explains_sampling_from_a_training_state() -> None:
    with pytest.raises(ValidationError) as info:
        require_kind("tinker://run-1/weights/final", {"sampler"}, field="model_path")
    message = str(info.value)
    assert "training checkpoint (weights/)" in message
    assert "save_weights_for_sampler" in message
    assert info.value.field == "model_path"


@pytest.mark.parametrize(
    ("path", "kinds", "advice"),
    [
        ("tinker://r/sampler_weights/a", {"training"}, "save_state"),
        ("tinker://r/weights/a", {"external"}, "save_weights_external"),
        ("tinker://r/sampler_weights/a", {"training", "external"}, "save_weights_external"),
    ],
)
def test_require_kind_names_the_call_that_produces_the_right_kind(
    path: str, kinds: set[CheckpointKind], advice: str
) -> None:
    with pytest.raises(ValidationError, match=advice):
        require_kind(path, kinds)


def test_require_kind_returns_the_parsed_path_when_it_fits() -> None:
    parsed = require_kind("tinker://r/weights/a", {"training", "external"})
    assert parsed == CheckpointPath("r", "weights", "a")
    assert require_kind(parsed, {"training"}) is parsed


def test_parse_checkpoint_id_builds_the_same_path_as_the_uri() -> None:
    assert parse_checkpoint_id("r:1", "sampler_weights/a") == parse_tinker_path(
        "tinker://r:1/sampler_weights/a"
    )


@pytest.mark.parametrize("checkpoint_id", ["", "weights", "weights/", "a//b", "../a", "a/."])
def test_parse_checkpoint_id_rejects_malformed_ids(checkpoint_id: str) -> None:
    with pytest.raises(ValidationError) as info:
        parse_checkpoint_id("r", checkpoint_id)
    assert info.value.field == "checkpoint_id"


@pytest.mark.parametrize("run_id", ["", "a/b", "..", "a\x01"])
def test_parse_checkpoint_id_rejects_malformed_run_ids(run_id: str) -> None:
    with pytest.raises(ValidationError) as info:
        parse_checkpoint_id(run_id, "sampler_weights/a")
    assert info.value.field == "training_run_id"


def test_parse_checkpoint_id_takes_a_short_id_as_the_server_gave_it() -> None:
    parsed = parse_checkpoint_id("r", "final")
    assert parsed == parse_tinker_path("tinker://r/final")
    assert parsed.kind is None


def test_console_urls_match_the_official_shapes() -> None:
    path = parse_tinker_path("tinker://sess:train:0/sampler_weights/my ckpt")
    base = "https://tinker.thinkingmachines.ai"
    assert session_console_url("s-1") == f"{base}/sessions/s-1"
    assert session_console_url(None) == f"{base}/sessions"
    assert training_run_console_url("r-1") == f"{base}/training_runs/r-1"
    assert checkpoint_console_url(path) == (
        f"{base}/checkpoints/sess%3Atrain%3A0/sampler_weights%2Fmy%20ckpt"
    )
    assert checkpoint_playground_url(path) == (
        f"{base}/playground?mode=checkpoint&checkpoint="
        "tinker%3A%2F%2Fsess%3Atrain%3A0%2Fsampler_weights%2Fmy%20ckpt"
    )
    assert api_key_console_url("k/1") == f"{base}/keys/k%2F1"
    assert new_api_key_console_url("cli host") == f"{base}/keys?new_key=true&key_name=cli+host"
    assert training_run_console_url("r", base_url="http://x") == "http://x/training_runs/r"
