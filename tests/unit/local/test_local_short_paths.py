"""The backend's short sampler paths: handed out only when told to, never a way out of its store."""

from __future__ import annotations

import pytest

from tinkex.local.checks import check_tinker_path
from tinkex.local.reply import HttpError


@pytest.mark.parametrize(
    "path",
    [
        "tinker://run-1/..",
        "tinker://../final",
        "tinker://run-1/.hidden",
        "tinker://run-1/a\\b",
        "tinker://run-1/a\x00",
        "tinker://run-1/",
        "tinker:///final",
        "tinker://run-1/bogus/final",
        "file://run-1/final",
    ],
)
def test_short_paths_do_not_open_the_store_to_anything_else(path: str) -> None:
    with pytest.raises(HttpError) as refused:
        check_tinker_path(path, "body.model_path", short=True)
    assert refused.value.status == 400
    assert "body.model_path" in str(refused.value)


def test_a_short_path_names_sampler_weights_only_when_the_backend_hands_them_out() -> None:
    assert check_tinker_path("tinker://s:train:0/final", "p", short=True) == (
        "s:train:0",
        "sampler_weights",
        "final",
    )
    with pytest.raises(HttpError, match="Invalid tinker path"):
        check_tinker_path("tinker://s:train:0/final", "p")
    assert check_tinker_path("tinker://r/weights/a", "p", short=True) == ("r", "weights", "a")
