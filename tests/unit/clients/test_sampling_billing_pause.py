"""A 402 on a sample submission is waited out like any other call's (spec: billing pause)."""

from __future__ import annotations

from tinkex import types
from tinkex.testing import ScriptedTransport, VirtualClock, local_service, respond

MODEL = "tinkex/tiny-byte-lm"


async def test_a_402_on_a_sample_pauses_and_then_samples() -> None:
    transport = ScriptedTransport()
    clock = VirtualClock()
    async with local_service(transport=transport, clock=clock) as service:
        sampler = await service.create_sampling_client(base_model=MODEL)
        transport.script("POST", "/api/v1/asample", respond(402, {"detail": "payment required"}))
        before = clock.elapsed
        response = await sampler.sample(
            types.ModelInput.from_ints([1, 2, 3]),
            num_samples=1,
            sampling_params=types.SamplingParams(max_tokens=2),
        )
    assert len(response.sequences) == 1
    assert transport.statuses().count(402) == 1
    # The shipped billing pause sleeps 5 s (virtual) before the call is tried again.
    assert clock.elapsed - before >= 5.0
    assert len(transport.requests_to("POST", "/api/v1/asample")) == 2
