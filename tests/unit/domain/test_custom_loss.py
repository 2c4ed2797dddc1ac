"""Tests for the client-side custom-loss math and the torch adapter."""

from __future__ import annotations

import sys
import types
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt
import pytest

from tinkex.domain.custom_loss import (
    FloatArray,
    merge_custom_metrics,
    run_custom_loss,
    torch_loss_adapter,
    weights_from_gradients,
)
from tinkex.domain.custom_loss_inputs import (
    loss_input,
    surrogate_backward_inputs,
    surrogate_forward_inputs,
)
from tinkex.errors import ValidationError

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping, Sequence


@dataclass
class FakeDatum:
    loss_fn_inputs: dict[str, Any] = field(default_factory=dict)


def _logprobs(*rows: list[float]) -> list[FloatArray]:
    return [np.asarray(row, dtype=np.float64) for row in rows]


def _advantage_loss(
    data: list[FakeDatum], logprobs: list[FloatArray]
) -> tuple[float, list[FloatArray], dict[str, float]]:
    """-sum(A * exp(logp)): an importance-sampling style loss with a known gradient."""
    advantages = [loss_input(d, "advantages") for d in data]
    value = -sum(float((a * np.exp(lp)).sum()) for a, lp in zip(advantages, logprobs, strict=True))
    grads = [-a * np.exp(lp) for a, lp in zip(advantages, logprobs, strict=True)]
    return value, grads, {"tokens:sum": float(sum(lp.size for lp in logprobs))}


def test_run_custom_loss_returns_value_gradients_and_float_metrics() -> None:
    data = [FakeDatum({"advantages": np.array([1.0, 2.0])}), FakeDatum({"advantages": [0.5]})]
    logprobs = _logprobs([-1.0, -2.0], [-0.5])
    result = run_custom_loss(_advantage_loss, data, logprobs)
    expected = -(np.exp(-1.0) + 2 * np.exp(-2.0) + 0.5 * np.exp(-0.5))
    assert result.loss == pytest.approx(expected)
    np.testing.assert_allclose(result.grads[1], [-0.5 * np.exp(-0.5)])
    assert result.metrics == {"tokens:sum": 3.0}


def test_surrogate_cross_entropy_with_negated_gradients_has_the_same_gradient() -> None:
    data = [FakeDatum({"advantages": np.array([1.0, -3.0, 0.25])})]
    logprobs = _logprobs([-0.3, -1.2, -2.0])
    result = run_custom_loss(_advantage_loss, data, logprobs)
    weights = weights_from_gradients(result.grads)
    assert weights[0].dtype == np.float32

    def surrogate(lp: FloatArray) -> float:  # the server's cross_entropy: sum(-logp * w)
        return float((-lp * weights[0].astype(np.float64)).sum())

    eps = 1e-6
    for i in range(3):
        bump = np.zeros(3)
        bump[i] = eps
        numeric = (surrogate(logprobs[0] + bump) - surrogate(logprobs[0] - bump)) / (2 * eps)
        assert numeric == pytest.approx(result.grads[0][i], rel=1e-5)


def _returning(
    loss: Any, grads: Sequence[Any], metrics: Mapping[str, Any] | None = None
) -> Callable[[list[FakeDatum], list[FloatArray]], tuple[Any, Sequence[Any], Mapping[str, Any]]]:
    def fn(
        data: list[FakeDatum], logprobs: list[FloatArray]
    ) -> tuple[Any, Sequence[Any], Mapping[str, Any]]:
        return loss, grads, metrics or {}

    return fn


@pytest.mark.parametrize(
    ("fn", "field"),
    [
        (_returning(1.0, [np.zeros(2)]), "grads"),
        (_returning(1.0, [np.zeros(2), np.zeros(2)]), "grads[1]"),
        (_returning(1.0, [np.zeros(2), np.array([np.nan])]), "grads[1]"),
        (_returning(1.0, [np.zeros(2), np.array(["x"])]), "grads[1]"),
        (_returning("high", [np.zeros(2), np.zeros(1)]), "loss"),
        (_returning(1.0, [np.zeros(2), np.zeros(1)], {"m:sum": "x"}), "metrics['m:sum']"),
    ],
)
def test_bad_loss_results_are_rejected_naming_the_datum(fn: Any, field: str) -> None:
    data = [FakeDatum(), FakeDatum()]
    with pytest.raises(ValidationError) as info:
        run_custom_loss(fn, data, _logprobs([-1.0, -1.0], [-1.0]))
    assert info.value.field == field


def test_logprob_count_must_match_the_data() -> None:
    with pytest.raises(ValidationError) as info:
        run_custom_loss(_advantage_loss, [FakeDatum()], _logprobs([-1.0], [-1.0]))
    assert info.value.field == "logprobs"


def test_merge_renames_the_surrogate_loss_and_keeps_the_custom_loss_last() -> None:
    merged = merge_custom_metrics(
        {"loss:sum": 2.0, "x:mean": 1.0},
        5.0,
        {"loss:sum": 99.0, "surrogate_loss:sum": 7.0, "u:sum": 3.0},
    )
    assert merged == {"x:mean": 1.0, "u:sum": 3.0, "loss:sum": 5.0, "surrogate_loss:sum": 2.0}
    assert merge_custom_metrics({}, 1.0, {}) == {"loss:sum": 1.0}


class _TensorData:
    def __init__(self, values: list[float]) -> None:
        self.values = values

    def to_numpy(self) -> npt.NDArray[Any]:
        return np.asarray(self.values)


@dataclass
class _WireTensor:
    data: list[float]
    shape: list[int] | None


def test_loss_input_reads_any_tensor_container() -> None:
    datum = FakeDatum(
        {
            "a": np.array([1.0]),
            "b": _TensorData([2.0]),
            "c": _WireTensor([1.0, 2.0, 3.0, 4.0], [2, 2]),
            "d": _WireTensor([5.0], None),
            "e": [6.0],
        }
    )
    assert [loss_input(datum, k).tolist() for k in "abde"] == [[1.0], [2.0], [5.0], [6.0]]
    assert loss_input(datum, "c").shape == (2, 2)
    with pytest.raises(ValidationError) as info:
        loss_input(datum, "ref_logprobs")
    assert info.value.field == "loss_fn_inputs['ref_logprobs']"


class FakeTensor:
    """Just enough reverse-mode autograd to exercise the torch adapter."""

    def __init__(
        self,
        values: Any,
        parents: Sequence[tuple[FakeTensor, Callable[[npt.NDArray[Any]], npt.NDArray[Any]]]] = (),
    ) -> None:
        self.values = np.asarray(values, dtype=np.float64)
        self.parents = list(parents)
        self.requires_grad = False
        self.grad: FakeTensor | None = None

    def clone(self) -> FakeTensor:
        return FakeTensor(self.values.copy(), [(self, lambda g: g)])

    def detach(self) -> FakeTensor:
        return FakeTensor(self.values)

    def requires_grad_(self, flag: bool) -> FakeTensor:
        self.requires_grad = flag
        return self

    def __mul__(self, other: npt.NDArray[Any]) -> FakeTensor:
        return FakeTensor(self.values * other, [(self, lambda g: g * other)])

    def sum(self) -> FakeTensor:
        shape = self.values.shape
        return FakeTensor(self.values.sum(), [(self, lambda g: np.broadcast_to(g, shape))])

    def __add__(self, other: FakeTensor) -> FakeTensor:
        return FakeTensor(self.values + other.values, [(self, lambda g: g), (other, lambda g: g)])

    def item(self) -> float:
        return float(self.values)

    def __float__(self) -> float:
        return self.item()

    def cpu(self) -> FakeTensor:
        return self

    def numpy(self) -> npt.NDArray[Any]:
        return self.values

    def backward(self) -> None:
        self._accumulate(np.ones_like(self.values))

    def _accumulate(self, upstream: npt.NDArray[Any]) -> None:
        if self.requires_grad and not self.parents:
            previous = self.grad.values if self.grad is not None else 0.0
            self.grad = FakeTensor(previous + upstream)
        for parent, local in self.parents:
            parent._accumulate(local(upstream))


@pytest.fixture
def fake_torch(monkeypatch: pytest.MonkeyPatch) -> types.ModuleType:
    module = types.ModuleType("torch")
    module.tensor = FakeTensor  # type: ignore[attr-defined]  # the slice of torch the adapter uses
    monkeypatch.setitem(sys.modules, "torch", module)
    return module


def test_torch_adapter_runs_autograd_and_returns_numpy_gradients(
    fake_torch: types.ModuleType,
) -> None:
    weights = [np.array([1.0, -2.0]), np.array([3.0])]

    def torch_loss(data: list[FakeDatum], lps: list[Any]) -> tuple[Any, Mapping[str, Any]]:
        loss = (lps[0] * weights[0]).sum() + (lps[1] * weights[1]).sum()
        return loss, {"n:sum": FakeTensor(2.0)}

    adapted = torch_loss_adapter(torch_loss)
    result = run_custom_loss(adapted, [FakeDatum(), FakeDatum()], _logprobs([-1.0, -0.5], [-2.0]))
    assert result.loss == pytest.approx(-1.0 + 1.0 - 6.0)
    np.testing.assert_allclose(result.grads[0], weights[0])
    np.testing.assert_allclose(result.grads[1], weights[1])
    assert result.metrics == {"n:sum": 2.0}


def test_torch_adapter_rejects_a_datum_without_gradient(fake_torch: types.ModuleType) -> None:
    def torch_loss(data: list[FakeDatum], lps: list[Any]) -> tuple[Any, Mapping[str, Any]]:
        return (lps[0] * np.ones(1)).sum(), {}

    adapted = torch_loss_adapter(torch_loss)
    with pytest.raises(ValidationError) as info:
        adapted([FakeDatum(), FakeDatum()], _logprobs([-1.0], [-1.0]))
    assert info.value.field == "logprobs[1]"


def test_torch_adapter_without_torch_says_how_to_proceed(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "torch", None)
    adapted = torch_loss_adapter(lambda data, lps: (lps[0], {}))
    with pytest.raises(ImportError, match="CustomLossFn"):
        adapted([FakeDatum()], _logprobs([-1.0]))


def test_forward_inputs_keep_only_targets_and_default_zero_weights() -> None:
    targets = np.array([[1, 2], [3, 4]], dtype=np.int64)
    inputs = {"target_tokens": targets, "advantages": np.ones(2), "ref_logprobs": np.zeros(2)}
    forward = surrogate_forward_inputs(inputs)
    assert set(forward) == {"target_tokens", "weights"}
    assert forward["target_tokens"] is targets
    assert forward["weights"].dtype == np.float32
    assert forward["weights"].shape == (2, 2)
    assert not forward["weights"].any()
    given_weights = np.array([0.5, 1.0])
    kept = surrogate_forward_inputs({"target_tokens": [1, 2], "weights": given_weights})
    assert kept["weights"] is given_weights


def test_backward_inputs_carry_negated_gradients() -> None:
    backward = surrogate_backward_inputs(
        {"target_tokens": _WireTensor([5.0, 6.0], [2]), "advantages": [1.0]}, np.array([0.25, -1.0])
    )
    assert backward["weights"].tolist() == [-0.25, 1.0]
    assert backward["weights"].dtype == np.float32


def test_custom_loss_inputs_require_target_tokens() -> None:
    with pytest.raises(ValidationError) as info:
        surrogate_forward_inputs({"weights": [1.0]}, index=4)
    assert info.value.field == "data[4].loss_fn_inputs"
