"""TrainingClient is one class composed of collaborators, and its machinery is not public."""

from __future__ import annotations

from types import SimpleNamespace
from typing import TYPE_CHECKING, cast

import structlog

from tinkex.adapters.clock import SystemClock
from tinkex.clients.official_names import TrainingClientOfficialNames
from tinkex.clients.training import TrainingClient
from tinkex.clients.training_core import TrainingClientCore
from tinkex.clients.training_submitter import TrainingSubmitter

if TYPE_CHECKING:
    from tinkex.ports.client import ClientContext

MACHINERY = ("submit_chunks", "run_chunks", "resolve_chunks", "sequencer", "single", "tracker")


def test_training_client_is_generated_on_one_hand_written_core() -> None:
    """No inheritance chain: the generated class, the official names and one flat core."""
    assert TrainingClient.__module__ == "tinkex.clients.generated.training"
    assert TrainingClient.__bases__ == (TrainingClientOfficialNames, TrainingClientCore)
    assert TrainingClientCore.__bases__ == (object,)


def test_submission_machinery_lives_on_the_submitter_not_the_client() -> None:
    """The turn counter and chunk submission are the submitter's, not public client API."""
    runtime = SimpleNamespace(clock=SystemClock(), logger=structlog.get_logger())
    submitter = TrainingSubmitter(cast("ClientContext", runtime), "run:train:0")
    for name in MACHINERY:
        assert not hasattr(TrainingClient, name), name
        assert hasattr(submitter, name), name
