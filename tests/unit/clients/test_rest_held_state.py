"""What a RestClient keeps: the one environment value it needs, never the environment."""

from __future__ import annotations

import os
import pickle
from collections.abc import Mapping
from typing import TYPE_CHECKING

import pytest
from rest_fixtures import RecordingInvoker, create_run, local_runtime, save_state

from tinkex.clients.rest import RestClient
from tinkex.errors import PermissionDeniedError, ValidationError
from tinkex.redaction import MASK, redact_text

if TYPE_CHECKING:
    from pathlib import Path

ENV = {
    "TINKER_PROJECT_ID": "proj-held",
    "TINKER_API_KEY": "tml-HeldEnvKey0123456789",
    "CLOUDFLARE_ACCESS_CLIENT_SECRET": "cf-held-secret-0123456789",
    "AWS_SECRET_ACCESS_KEY": "aws-held-secret-0123456789",
}


def _held(rest: RestClient) -> str:
    return repr(vars(rest))


async def test_vars_hold_no_environment_mapping(tmp_path: Path) -> None:
    """vars(rest) keeps the invoker, the clock and the default project id, nothing else."""
    async with local_runtime(tmp_path, session=False) as rt:
        for rest in (RestClient(rt.invoker, env=ENV), RestClient(rt.invoker)):
            assert not any(isinstance(value, Mapping) for value in vars(rest).values())
            assert all(value is not os.environ for value in vars(rest).values())
        held = _held(RestClient(rt.invoker, env=ENV))
    for name, value in ENV.items():
        if name != "TINKER_PROJECT_ID":
            assert value not in held
    assert "proj-held" in held


async def test_project_default_is_read_once_at_construction(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """TINKER_PROJECT_ID set after the client was built is not picked up; nothing is sent."""
    monkeypatch.delenv("TINKER_PROJECT_ID", raising=False)
    async with local_runtime(tmp_path) as rt:
        run_id = await create_run(rt)
        source = await save_state(rt, run_id, "src")
        recorder = RecordingInvoker(rt.invoker)
        rest = RestClient(recorder)
        monkeypatch.setenv("TINKER_PROJECT_ID", "proj-late")
        with pytest.raises(ValidationError, match="TINKER_PROJECT_ID"):
            await rest.copy_weights(source)
        assert recorder.calls == []
        copy = await RestClient(recorder).copy_weights(source)
        assert copy.endswith("/weights/src")


async def test_weights_access_token_is_masked_in_errors_that_echo_it(tmp_path: Path) -> None:
    """A token handed to copy_weights is remembered: an error quoting it shows *** instead."""
    token = "weights-access-token-0123456789"
    assert redact_text(token) == token  # not known before the call
    async with local_runtime(tmp_path) as rt:
        source = await save_state(rt, await create_run(rt), "src")
        await RestClient(rt.invoker, env=ENV).copy_weights(source, weights_access_token=token)
    error = PermissionDeniedError(f"token {token} has no access", status=403, body=token)
    for text in (str(error), repr(error), pickle.dumps(error).decode("latin-1")):
        assert token not in text
    assert error.body == MASK
