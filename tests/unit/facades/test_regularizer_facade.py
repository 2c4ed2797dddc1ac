"""RegularizerPipeline.compute: structured, JSON-encodable loss breakdowns."""

from __future__ import annotations

from typing import Any

import msgspec
import numpy as np
import numpy.typing as npt
import pytest

from tinkex.errors import ValidationError
from tinkex.regularizer import (
    Regularizer,
    RegularizerError,
    RegularizerPipeline,
    compose,
    elastic_net,
    grad_norm,
    l1,
    l2,
)

LOGPROBS = [np.array([-0.5, -1.0, -2.0]), np.array([-0.25])]


def nll(
    data: list[Any], logprobs: list[npt.NDArray[Any]]
) -> tuple[float, list[npt.NDArray[Any]], dict[str, float]]:
    n = sum(lp.size for lp in logprobs)
    total = -sum(float(lp.sum()) for lp in logprobs) / n
    return total, [np.full_like(lp, -1.0 / n) for lp in logprobs], {"nll": total}


def test_total_is_base_plus_weighted_regularizers() -> None:
    """loss_total = base + sum(weight * value), with per-term contributions."""
    out = RegularizerPipeline.compute([None, None], LOGPROBS, nll, [l1(0.1), l2(0.01)])
    base = 3.75 / 4
    assert out.base_loss.value == pytest.approx(base)
    assert out.base_loss.custom == {"nll": pytest.approx(base)}
    assert out.regularizers["l1"].value == pytest.approx(3.75)
    assert out.regularizers["l1"].contribution == pytest.approx(0.375)
    assert out.regularizers["l2"].value == pytest.approx(0.25 + 1 + 4 + 0.0625)
    assert out.loss_total == pytest.approx(base + 0.375 + 0.053125)
    assert out.total_grad_norm is None


def test_grad_norms_are_tracked_on_request() -> None:
    """track_grad_norms reports base, per-regularizer (weighted too) and total norms."""
    out = RegularizerPipeline.compute([None, None], LOGPROBS, nll, [l1(0.5)], track_grad_norms=True)
    assert out.base_loss.grad_norm == pytest.approx(np.sqrt(4 * (0.25**2)))
    assert out.regularizers["l1"].grad_norm == pytest.approx(2.0)  # four entries of -1
    assert out.regularizers["l1"].grad_norm_weighted == pytest.approx(1.0)
    assert out.total_grad_norm == pytest.approx(np.sqrt(4 * (0.25 + 0.5) ** 2))


def test_output_matches_the_composed_training_loss() -> None:
    """compute() and compose() agree on the total and the gradient norm."""
    regs = [l1(0.1), elastic_net(0.2, l1_ratio=0.3)]
    out = RegularizerPipeline.compute([None, None], LOGPROBS, nll, regs, track_grad_norms=True)
    total, grads, metrics = compose(nll, regs)([None, None], list(LOGPROBS))
    assert total == pytest.approx(out.loss_total)
    assert grad_norm(grads) == pytest.approx(out.total_grad_norm)
    assert metrics["reg/elastic_net:sum"] == pytest.approx(
        out.regularizers["elastic_net"].contribution
    )


def test_output_encodes_to_json_without_untracked_fields() -> None:
    """Grad-norm fields are omitted while untracked."""
    out = RegularizerPipeline.compute([None, None], LOGPROBS, nll, [l1(1.0)])
    decoded = msgspec.json.decode(msgspec.json.encode(out))
    assert "grad_norm" not in decoded["regularizers"]["l1"]
    assert "total_grad_norm" not in decoded
    assert decoded["regularizer_total"] == pytest.approx(3.75)


def test_errors_name_the_problem() -> None:
    """Duplicate names, a non-callable base and a failing regularizer are reported."""
    with pytest.raises(ValidationError, match="duplicate"):
        RegularizerPipeline.compute([None], LOGPROBS[:1], nll, [l1(), l1()])
    with pytest.raises(ValidationError, match="base_loss"):
        RegularizerPipeline.compute([None], LOGPROBS[:1], 3, [])  # type: ignore[arg-type]

    def broken(data: list[Any], logprobs: list[npt.NDArray[Any]]) -> tuple[float, list[Any]]:
        raise ArithmeticError("nope")

    with pytest.raises(RegularizerError, match="broken") as caught:
        RegularizerPipeline.compute([None], LOGPROBS[:1], nll, [Regularizer("broken", broken)])
    assert isinstance(caught.value.__cause__, ArithmeticError)
    with pytest.raises(ValidationError, match="l1_ratio"):
        elastic_net(l1_ratio=1.5)
