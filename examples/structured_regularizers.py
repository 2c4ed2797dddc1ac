"""Offline tour of the regularizer pipeline on mock logprobs (no service needed).

Tinkex ``structured_regularizers.exs``: built-in regularizers (L1, L2 with a centre, elastic
net, entropy minimise/maximise, KL forward estimators against reference logprobs), a custom
one, baseline vs composed loss, gradient-norm tracking, JSON output, and the error cases.
"""

from __future__ import annotations

import asyncio
import json
import math
from typing import Any

import msgspec
import numpy as np
import numpy.typing as npt
from _common import banner, parser

from tinkex import types
from tinkex.errors import ValidationError
from tinkex.regularizer import (
    Regularizer,
    RegularizerPipeline,
    compose,
    elastic_net,
    entropy,
    kl_to_reference,
    l1,
    l2,
)

LOGPROBS = [np.array([-0.1, -0.5, -1.2, -2.0, -0.05]), np.array([-0.3, -0.9, -1.5, -0.2, -3.0])]
REFERENCE = [(lp * 0.9).astype(np.float32) for lp in LOGPROBS]


def nll(
    data: list[Any], logprobs: list[npt.NDArray[Any]]
) -> tuple[float, list[npt.NDArray[Any]], dict[str, float]]:
    """Mean negative logprob: the base loss."""
    n = sum(lp.size for lp in logprobs)
    loss = -sum(float(lp.sum()) for lp in logprobs) / n
    return loss, [np.full(lp.shape, -1.0 / n) for lp in logprobs], {"perplexity": math.exp(loss)}


def confidence_gap(data: list[Any], logprobs: list[npt.NDArray[Any]]) -> tuple[float, list[Any]]:
    """A custom regularizer: squared gap between each datum's best and worst logprob."""
    value, grads = 0.0, []
    for lp in logprobs:
        hi, lo = int(np.argmax(lp)), int(np.argmin(lp))
        gap = float(lp[hi] - lp[lo])
        grad = np.zeros_like(lp)
        grad[hi], grad[lo] = 2 * gap, -2 * gap
        value += gap * gap
        grads.append(grad)
    return value, grads


async def main(argv: list[str] | None = None) -> int:
    parser(__doc__).parse_args(argv)
    # Datums carry the reference logprobs the KL regularizers read (kept client-side).
    data = [
        types.Datum(
            model_input=types.ModelInput.from_ints(list(range(5))),
            loss_fn_inputs={"target_tokens": list(range(1, 6)), "ref_logprobs": ref},
        )
        for ref in REFERENCE
    ]
    regularizers = [
        l1(0.01),
        l2(0.005, center=-1.0),
        elastic_net(0.01, l1_ratio=0.6),
        entropy(0.1, name="entropy_min"),
        entropy(0.05, mode="maximize", name="entropy_max"),
        kl_to_reference("ref_logprobs", 0.2, estimator="k1", name="kl_k1"),
        kl_to_reference("ref_logprobs", 0.2, estimator="k3", name="kl_k3"),
        Regularizer("confidence_gap", confidence_gap, 0.001),
    ]

    banner("baseline")
    baseline = RegularizerPipeline.compute(data, LOGPROBS, nll)
    print(f"base loss {baseline.loss_total:.4f}  metrics {baseline.base_loss.custom}")

    banner("composed, with gradient norms")
    output = RegularizerPipeline.compute(data, LOGPROBS, nll, regularizers, track_grad_norms=True)
    print(f"{'name':<16}{'value':>10}{'weight':>8}{'contribution':>14}{'grad_norm':>11}")
    for out in output.regularizers.values():
        print(
            f"{out.name:<16}{out.value:>10.4f}{out.weight:>8.3f}{out.contribution:>14.5f}"
            f"{out.grad_norm or 0.0:>11.4f}"
        )
    print(
        f"total {output.loss_total:.4f} = base {output.base_loss.value:.4f} + regularizers "
        f"{output.regularizer_total:.4f}; total grad norm {output.total_grad_norm:.4f}"
    )

    banner("the same composition as a training loss")
    total, grads, metrics = compose(nll, regularizers)(data, list(LOGPROBS))
    print(
        f"compose() total {total:.4f}; {len(grads)} gradient arrays; "
        f"reg_total:sum {metrics['reg_total:sum']:.4f}"
    )

    banner("JSON")
    encoded = json.dumps(msgspec.to_builtins(output))
    print(f"{len(encoded)} characters: {encoded[:120]}...")

    banner("errors")
    try:
        RegularizerPipeline.compute(data, LOGPROBS, nll, [l1(), l1()])
    except ValidationError as exc:
        print(f"duplicate names -> {exc}")
    try:
        RegularizerPipeline.compute(data, LOGPROBS, "not a function", [])  # type: ignore[arg-type]
    except ValidationError as exc:
        print(f"non-callable base loss -> {exc}")
    return 0 if abs(total - output.loss_total) < 1e-9 else 1


if __name__ == "__main__":
    raise SystemExit(asyncio.run(main()))
