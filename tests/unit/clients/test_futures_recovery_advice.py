"""A lost result says what to do next, by the kind of request and how it was lost."""

from __future__ import annotations

import pickle

import pytest

from tinkex.errors import GoneError
from tinkex.flows.polling_state import PromiseExpiredError


@pytest.mark.parametrize("request_type", ["ForwardBackward", "OptimStep", "SaveWeights", None])
@pytest.mark.parametrize("status", [404, 410])
def test_a_lost_training_result_points_to_the_saved_state(
    request_type: str | None, status: int
) -> None:
    """Re-submitting could apply a step twice, and after a restart the model is gone anyway."""
    error = PromiseExpiredError(request_id="req-1", request_type=request_type, status=status)
    message = str(error)
    assert "req-1" in message
    assert "do not re-submit" in message
    assert "re-submit it" not in message.replace("do not re-submit it", "")
    assert "create_training_client_from_state_with_optimizer(path)" in message
    assert "create a new training client" in message
    assert ("restarted" in message) == (status == 404)  # a 410 is an expiry, not a restart
    assert isinstance(error, GoneError)
    assert error.status == status


@pytest.mark.parametrize("status", [404, 410])
def test_a_lost_sample_says_to_sample_again(status: int) -> None:
    message = str(PromiseExpiredError(request_id="req-2", request_type="Sample", status=status))
    assert "Sample req-2" in message
    assert "sample again" in message
    assert "create a new sampling client" in message
    assert "training" not in message


def test_the_advice_survives_pickling() -> None:
    error = PromiseExpiredError(request_id="req-3", request_type="ForwardBackward", status=404)
    assert str(pickle.loads(pickle.dumps(error))) == str(error)
