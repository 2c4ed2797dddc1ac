"""Request metrics: counters and a latency histogram (p50/p95/p99) over real SDK traffic.

Tinkex ``metrics_live.exs``: reset, sample, snapshot. Tinkex feeds its metrics from HTTP
telemetry automatically; here a small metering wrapper around the connection pool records
every HTTP exchange into a `tinkex.metrics.Metrics` registry (see README: missing hook).
"""

from __future__ import annotations

import asyncio
import time
from typing import TYPE_CHECKING

from _common import data_dir, is_local, parser, prompt

import tinkex
from tinkex import types
from tinkex.bootstrap.adapters import default_adapters
from tinkex.config import load_config
from tinkex.metrics import REQUEST_DURATION_MS, REQUESTS_FAILURE, REQUESTS_TOTAL, Metrics

if TYPE_CHECKING:
    from tinkex.ports.pool import ConnectionPool
    from tinkex.ports.transport import HttpRequest, HttpResponse, PoolKind, Transport


class MeteredTransport:
    """Record each exchange's duration and outcome, then pass it on."""

    def __init__(self, inner: Transport, metrics: Metrics) -> None:
        self._inner = inner
        self._metrics = metrics

    async def send(self, request: HttpRequest, /) -> HttpResponse:
        started = time.perf_counter()
        try:
            response = await self._inner.send(request)
        except Exception:
            self._metrics.record_request((time.perf_counter() - started) * 1000, ok=False)
            raise
        ok = response.status < 400 or response.status == 408  # 408 = "still queued" polls
        self._metrics.record_request((time.perf_counter() - started) * 1000, ok=ok)
        return response

    async def aclose(self) -> None:
        await self._inner.aclose()


class MeteredPool:
    """A ConnectionPool whose transports are metered."""

    def __init__(self, inner: ConnectionPool, metrics: Metrics) -> None:
        self._inner = inner
        self._metrics = metrics

    def transport_for(self, kind: PoolKind, /) -> Transport:
        return MeteredTransport(self._inner.transport_for(kind), self._metrics)

    async def aclose(self) -> None:
        await self._inner.aclose()


async def main(argv: list[str] | None = None) -> int:
    args = parser(__doc__).parse_args(argv)
    metrics = Metrics()
    with data_dir(args) as directory:
        config = load_config(base_url=str(args.base_url), telemetry=False)
        adapters = default_adapters(config, local_data_dir=directory if is_local(args) else None)
        adapters.pool = MeteredPool(adapters.pool, metrics)
        async with tinkex.ServiceClient(
            base_url=str(args.base_url), adapters=adapters, telemetry=False
        ) as service:
            sampler = await service.create_sampling_client(base_model=args.base_model)
            metrics.reset()  # count only the sampling traffic
            tokenizer = sampler.get_tokenizer()
            params = types.SamplingParams(max_tokens=8, temperature=0.7, seed=0)
            await asyncio.gather(
                *(sampler.sample(prompt(tokenizer, f"metrics {i}"), 1, params) for i in range(5))
            )
            metrics.increment("examples_samples_total", 5)
            metrics.set_gauge("examples_last_batch", 5)
    snapshot = metrics.snapshot()
    print("counters:")
    for name, value in sorted(snapshot["counters"].items()):
        print(f"  {name} = {value:g}")
    print(f"gauges: {snapshot['gauges']}")
    latency = snapshot["histograms"][REQUEST_DURATION_MS]
    print(
        f"{REQUEST_DURATION_MS}: count {latency['count']} mean {latency['mean'] or 0:.2f} ms "
        f"p50 {latency['p50'] or 0:.2f} p95 {latency['p95'] or 0:.2f} p99 {latency['p99'] or 0:.2f}"
    )
    total = snapshot["counters"].get(REQUESTS_TOTAL, 0)
    return 0 if total >= 5 and snapshot["counters"].get(REQUESTS_FAILURE, 0) == 0 else 1


if __name__ == "__main__":
    raise SystemExit(asyncio.run(main()))
