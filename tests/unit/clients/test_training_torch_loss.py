"""forward_backward_custom with a torch-style loss, through `torch_loss_adapter`.

torch is optional and not installed here, so the test installs a small working stand-in: a
tensor with just the reverse-mode autograd the adapter and the loss below use (multiply,
negate, add, sum, backward). The adapter's code path is the one real torch would take.
"""

from __future__ import annotations

import sys
import types
from typing import TYPE_CHECKING, Any

import numpy as np
import pytest
from training_fixtures import batch, recorded_service, tiny_training

from tinkex.domain.custom_loss import torch_loss_adapter
from tinkex.domain.custom_loss_inputs import loss_input
from tinkex.domain.types import AdamParams, Datum

if TYPE_CHECKING:
    from collections.abc import Callable
    from pathlib import Path

Grad = np.ndarray[Any, Any]


class FakeTensor:
    """A float64 array with reverse-mode gradients along every path of its graph."""

    def __init__(
        self, value: object, parents: tuple[tuple[FakeTensor, Callable[[Grad], Grad]], ...] = ()
    ) -> None:
        self.value: Grad = np.asarray(value, dtype=np.float64)
        self.parents = parents
        self.requires_grad = False
        self.grad: FakeTensor | None = None
        self.dtype = "float64"

    @staticmethod
    def lift(other: object) -> FakeTensor:
        return other if isinstance(other, FakeTensor) else FakeTensor(other)

    def clone(self) -> FakeTensor:
        return FakeTensor(self.value.copy())

    def detach(self) -> FakeTensor:
        return FakeTensor(self.value)

    def requires_grad_(self, flag: bool = True) -> FakeTensor:
        self.requires_grad = flag
        return self

    def __mul__(self, other: object) -> FakeTensor:
        o = self.lift(other)
        return FakeTensor(
            self.value * o.value, ((self, lambda g: g * o.value), (o, lambda g: g * self.value))
        )

    __rmul__ = __mul__

    def __neg__(self) -> FakeTensor:
        return FakeTensor(-self.value, ((self, lambda g: -g),))

    def __add__(self, other: object) -> FakeTensor:
        o = self.lift(other)
        return FakeTensor(self.value + o.value, ((self, lambda g: g), (o, lambda g: g)))

    __radd__ = __add__

    def sum(self) -> FakeTensor:
        shape = self.value.shape
        return FakeTensor(self.value.sum(), ((self, lambda g: np.broadcast_to(g, shape)),))

    def item(self) -> float:
        return float(self.value)

    def cpu(self) -> FakeTensor:
        return self

    def numpy(self) -> Grad:
        return self.value

    def backward(self) -> None:
        self._accumulate(np.ones_like(self.value))

    def _accumulate(self, grad: Grad) -> None:
        if self.requires_grad and not self.parents:
            total = grad if self.grad is None else self.grad.value + grad
            self.grad = FakeTensor(total)
        for parent, local in self.parents:
            parent._accumulate(local(grad))


@pytest.fixture
def fake_torch(monkeypatch: pytest.MonkeyPatch) -> types.ModuleType:
    module = types.ModuleType("torch")
    module.tensor = lambda value, dtype=None: FakeTensor(value)  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "torch", module)
    return module


def test_fake_tensor_gradients_are_right() -> None:
    x = FakeTensor([1.0, 2.0]).requires_grad_()
    loss = (x * x).sum() + -(x * 3.0).sum()
    loss.backward()
    assert x.grad is not None
    np.testing.assert_array_equal(x.grad.numpy(), [2 * 1 - 3, 2 * 2 - 3])


async def test_torch_style_loss_trains_like_the_builtin_loss(
    tmp_path: Path, fake_torch: types.ModuleType
) -> None:
    def cross_entropy(data: list[Datum], logprobs: list[Any]) -> tuple[Any, dict[str, float]]:
        total: Any = 0
        for item, logprob in zip(data, logprobs, strict=True):
            weights = fake_torch.tensor(loss_input(item, "weights"))
            total = total + -(logprob * weights).sum()
        return total, {"custom/datums:sum": float(len(data))}

    data = batch(3)
    adam = AdamParams(learning_rate=1e-2)
    async with recorded_service(tmp_path) as (service, _):
        builtin, custom = await tiny_training(service), await tiny_training(service)
        expected = await builtin.forward_backward(data, "cross_entropy")
        got = await custom.forward_backward_custom(data, torch_loss_adapter(cross_entropy))
        await builtin.optim_step(adam)
        await custom.optim_step(adam)
        after_builtin = await builtin.forward(data, "cross_entropy")
        after_custom = await custom.forward(data, "cross_entropy")
    assert got.metrics["surrogate_loss:sum"] == expected.metrics["loss:sum"]
    assert got.metrics["loss:sum"] == pytest.approx(expected.metrics["loss:sum"], rel=1e-6)
    assert got.metrics["custom/datums:sum"] == 3.0
    assert after_custom.metrics["loss:sum"] == after_builtin.metrics["loss:sum"]


async def test_torch_loss_ignoring_a_datum_fails_naming_it(
    tmp_path: Path, fake_torch: types.ModuleType
) -> None:
    def first_only(data: list[Datum], logprobs: list[Any]) -> tuple[Any, dict[str, float]]:
        return -(logprobs[0].sum()), {}

    async with recorded_service(tmp_path) as (service, _):
        training = await tiny_training(service)
        with pytest.raises(ValueError, match="no gradient") as raised:
            await training.forward_backward_custom(batch(2), torch_loss_adapter(first_only))
    assert getattr(raised.value, "field", None) == "logprobs[1]"
