"""Checks on the scenario's results, shared by every conformance test.

Results come from ``scripts/official_scenario.py`` (as printed JSON) or from
``tinkex_scenario.run_tinkex_scenario``; both have the same keys.
"""

from __future__ import annotations

import math
import re
from typing import Any

__all__ = [
    "TOLERATED_WARNINGS",
    "assert_scenario_healthy",
    "comparable",
    "unexpected_warnings",
]

_SESSION = re.compile(r"sess-[0-9a-f]+")

TOLERATED_WARNINGS: tuple[tuple[str, str], ...] = (
    (
        r"^ResourceWarning: unclosed (transport|<socket\.socket)",
        "the official SDK does not close its pooled keep-alive connections when a client is"
        " dropped (it happens with any HTTP/1.1 server; Python hides ResourceWarning by default)",
    ),
)
"""Warnings the official SDK may raise, with the reason they are not a server problem."""

_SDK_ONLY_KEYS = frozenset({"sdk_version", "warnings", "invalid_responses"})


def unexpected_warnings(warnings: list[str]) -> list[str]:
    """The warnings no entry of `TOLERATED_WARNINGS` explains."""
    return [w for w in warnings if not any(re.search(p, w) for p, _ in TOLERATED_WARNINGS)]


def comparable(results: dict[str, Any]) -> dict[str, Any]:
    """The results with run-specific ids replaced and the SDK's own fields dropped.

    Sessions are listed newest first, so only the number of sessions is kept.
    """
    out = {k: _ids(v) for k, v in results.items() if k not in _SDK_ONLY_KEYS}
    out["sessions"] = len(results["sessions"])
    return out


def _ids(value: Any) -> Any:
    if isinstance(value, str):
        return _SESSION.sub("sess-*", value)
    if isinstance(value, list):
        return [_ids(v) for v in value]
    if isinstance(value, dict):
        return {k: _ids(v) for k, v in value.items()}
    return value


def assert_scenario_healthy(results: dict[str, Any]) -> None:
    """Everything the scenario must show on a conformant server, whoever the client is."""
    losses = results["losses"]
    assert len(losses) == 20
    assert all(math.isfinite(loss) for loss in losses)
    assert losses[-1] < 0.5 * losses[0], losses
    assert all(later < losses[0] for later in losses[1:]), losses
    assert results["forward_loss"] == losses[0]  # forward and the first step see equal weights
    assert results["restored_loss"] == results["trained_loss"]  # state (with optimizer) reloads
    assert len(results["is_logprobs"]) == 15
    assert math.isfinite(results["is_loss"])
    assert results["model_id"] != results["restored_model_id"]
    assert "Qwen/Qwen3-8B" in results["capabilities"]
    samples = results["sample_tokens"]
    assert len(samples) == 2
    assert all(0 < len(tokens) <= 8 for tokens in samples)
    assert [len(lp) for lp in results["sample_logprobs"]] == [len(t) for t in samples]
    prompt_logprobs = results["prompt_logprobs"]
    assert len(prompt_logprobs) == 10
    assert prompt_logprobs[0] is None
    assert all(lp is not None and lp <= 0 for lp in prompt_logprobs[1:])
    topk = results["topk_prompt_logprobs"]
    assert len(topk) == 10
    assert topk[0] is None
    assert all(len(row) == 2 for row in topk[1:])
    assert results["compute_logprobs"] == prompt_logprobs
    model = results["model_id"]
    assert model in results["runs"]
    assert results["restored_model_id"] in results["runs"]
    assert results["runs_total"] == len(results["runs"])
    assert results["run"] == {"id": model, "rank": 4}
    assert [c["id"] for c in results["checkpoints"]] == [
        "sampler_weights/conf-sampler",
        "weights/conf-state",
    ]
    assert results["weights_info"] == {"base_model": "Qwen/Qwen3-8B", "rank": 4}
    assert sorted(results["published"]) == [False, True]
    after = results["checkpoints_after"]
    assert [(c["id"], c["public"], c["expires"]) for c in after] == [
        ("weights/conf-state", False, True)
    ]
    assert results["session"]["runs"] == sorted([model, results["restored_model_id"]])
    assert results["sampler"]["id"] in results["session"]["samplers"]
    assert results["sampler"]["base_model"] == "Qwen/Qwen3-8B"
