"""Sampling endpoints: sampling sessions, joins, ``asample`` and sampler lookup."""

from __future__ import annotations

import dataclasses
import hashlib
from typing import TYPE_CHECKING

import numpy as np

from tinkex.local.checks import (
    check_sample_request,
    check_tinker_path,
    check_token_ids,
    read_seq_id,
    require_seq_id,
)
from tinkex.local.codec import Fields, decode_json, parse_model_input
from tinkex.local.model import ByteTokenizer, LoraSpec, SampleSettings
from tinkex.local.records import SamplerRecord
from tinkex.local.reply import HttpError, Reply, UserError, encode_json, json_reply
from tinkex.local.results import SampleResponseResult
from tinkex.local.router import Route, route
from tinkex.local.state import SamplerSlot

if TYPE_CHECKING:
    from collections.abc import Mapping

    from tinkex.local.engine import ModelEngine
    from tinkex.local.results import FutureResult
    from tinkex.local.state import Call, ServiceState

__all__ = ["SamplingHandlers", "stop_sequences"]

_TOKENIZER = ByteTokenizer()


def stop_sequences(stop: object) -> tuple[tuple[int, ...], ...] | None:
    """Convert ``SamplingParams.stop`` (str, [str], [int], null, []) to token sequences.

    ``null`` keeps the implicit EOS stop, ``[]`` disables every stop, strings become their
    byte tokens, and each integer is a one-token stop sequence.

    Raises:
        HttpError: 422 for any other shape.
    """
    if stop is None:
        return None
    if isinstance(stop, str):
        return (tuple(_TOKENIZER.encode(stop)),)
    if isinstance(stop, list):
        if all(isinstance(s, str) for s in stop):
            return tuple(tuple(_TOKENIZER.encode(str(s))) for s in stop if s)
        if all(isinstance(s, int) and not isinstance(s, bool) for s in stop):
            ids = [int(str(s)) for s in stop]
            check_token_ids(ids, "body.sampling_params.stop")
            return tuple((token,) for token in ids)
    raise HttpError(422, "sampling_params.stop: expected a string, strings or token ids")


def sample_settings(params: Fields | None) -> SampleSettings:
    """SamplingParams with server defaults (max_tokens/seed/stop null, 1.0, -1, 1.0)."""
    if params is None:
        return SampleSettings()
    return SampleSettings(
        max_tokens=params.opt_int("max_tokens"),
        temperature=params.num("temperature", 1.0),
        top_k=params.req_int("top_k", -1),
        top_p=params.num("top_p", 1.0),
        stop_token_seqs=stop_sequences(params.raw.get("stop")),
        seed=params.opt_int("seed"),
    )


class SamplingHandlers:
    """Handlers of the sampling area.

    Args:
        state: The backend's shared state.
    """

    def __init__(self, state: ServiceState) -> None:
        self._s = state
        self._base_engines: dict[str, ModelEngine] = {}

    def routes(self) -> list[Route]:
        """This area's routes."""
        return [
            route("POST", "/api/v1/create_sampling_session", self.create_session),
            route("POST", "/api/v1/join_sampling_session", self.join_session),
            route("POST", "/api/v1/asample", self.asample),
            route("POST", "/api/v1/stream_sample", self.stream_sample),
            route("GET", "/api/v1/samplers/{sampler_id}", self.get_sampler),
        ]

    async def _engine_for(self, base_model: str | None, model_path: str | None) -> ModelEngine:
        if model_path is not None:
            _, segment, _ = check_tinker_path(
                model_path, "body.model_path", short=self._s.store.short_sampler_paths
            )
            try:
                if segment != "sampler_weights":
                    raise UserError(
                        f"{model_path} is not a sampler checkpoint; sampling needs weights "
                        "saved with save_weights_for_sampler "
                        "(a tinker://<run>/sampler_weights/<name> path)"
                    )
                blob = self._s.store.read(self._s.store.get(model_path), "state.bin")
            except UserError as exc:
                raise exc.to_http() from exc
            return await self._s.blocking(
                self._s.factory.load, blob, load_optimizer=False, override_base_model=base_model
            )
        if base_model is None:
            raise HttpError(422, "body: base_model or model_path is required")
        engine = self._base_engines.get(base_model)
        if engine is None:
            # A fresh adapter has B = 0, so it samples exactly like the base model.
            engine = await self._s.blocking(self._s.factory.create, base_model, LoraSpec(rank=1))
            self._base_engines[base_model] = engine
        return engine

    async def create_session(self, call: Call) -> Reply:
        """``create_sampling_session`` from a base model or a sampler checkpoint."""
        body = Fields(decode_json(call.body))
        session_id = body.req_str("session_id")
        session = self._s.session(session_id)
        sampler_id = f"{session_id}:sample:{require_seq_id(body, 'sampling_session_seq_id')}"
        if sampler_id not in self._s.samplers:
            base_model, model_path = body.opt_str("base_model"), body.opt_str("model_path")
            engine = await self._engine_for(base_model, model_path)
            info_base = str(engine.weights_info().get("base_model", base_model or ""))
            record = SamplerRecord(
                sampler_id=sampler_id,
                session_id=session_id,
                base_model=base_model or info_base,
                model_path=model_path,
            )
            self._s.samplers[sampler_id] = SamplerSlot(record, engine)
            self._s.store.index.samplers[sampler_id] = record
            if sampler_id not in session.sampler_ids:
                session.sampler_ids.append(sampler_id)
            self._s.store.save_index()
        return json_reply({"type": "create_sampling_session", "sampling_session_id": sampler_id})

    def _sampler(self, sampler_id: str) -> SamplerSlot:
        slot = self._s.samplers.get(sampler_id)
        if slot is None:
            raise HttpError(404, f"sampling session {sampler_id} not found")
        self._s.session(slot.record.session_id)
        return slot

    async def join_session(self, call: Call) -> Reply:
        """``join_sampling_session``: hand a clone its client counter."""
        slot = self._sampler(Fields(decode_json(call.body)).req_str("sampling_session_id"))
        slot.clients += 1
        return json_reply({"type": "join_sampling_session", "client_counter": slot.clients})

    async def get_sampler(self, call: Call) -> Reply:
        """``GET samplers/{id}``."""
        record = self._s.store.index.samplers.get(call.params["sampler_id"])
        if record is None:
            raise HttpError(404, f"sampler {call.params['sampler_id']} not found")
        body: dict[str, object] = {"sampler_id": record.sampler_id, "base_model": record.base_model}
        if record.model_path is not None:
            body["model_path"] = record.model_path
        return json_reply(body)

    async def _anonymous(self, body: Fields) -> SamplerSlot:
        # Old clients may sample straight from base_model/model_path without a session.
        base_model, model_path = body.opt_str("base_model"), body.opt_str("model_path")
        key = f"anonymous:{model_path or base_model}"
        slot = self._s.samplers.get(key)
        if slot is None:
            engine = await self._engine_for(base_model, model_path)
            record = SamplerRecord(
                sampler_id=key, session_id="", base_model=base_model or "", model_path=model_path
            )
            slot = SamplerSlot(record, engine)
            self._s.samplers[key] = slot
        return slot

    async def asample(self, call: Call) -> Reply:
        """``asample``: a future of a SampleResponse, with ``sample_sequence_ids``.

        The future finishes `BackendConfig.sample_time_s` after the request was accepted (or
        when the model is done, if later).
        """
        body = Fields(decode_json(call.body))
        if body.has("sampling_session_id"):
            slot = self._sampler(body.req_str("sampling_session_id"))
        else:
            slot = await self._anonymous(body)
        seq_id = read_seq_id(body)
        if seq_id is not None and seq_id in slot.by_seq:
            return json_reply(slot.by_seq[seq_id].submission())
        cap = self._s.faults.plan.max_concurrent_samples if self._s.faults.plan else None
        if cap is not None and self._s.samples_in_flight >= cap:
            raise HttpError(429, "too many concurrent samples", headers={"retry-after": "1"})
        prompt, num_samples, settings = _sample_inputs(body, slot.engine)
        if settings.seed is None:
            # Unseeded requests still reproduce run to run: derive a seed from the backend
            # seed, the sampler and this request's position.
            self._s.sample_counter += 1
            position = seq_id if seq_id is not None else f"n{self._s.sample_counter}"
            record = slot.record
            # Session ids are random; their creation order is what repeats run to run.
            session = self._s.session_ordinals.get(record.session_id, record.session_id)
            local = record.sampler_id.rsplit(":", 1)[-1]
            key = f"{self._s.seed}/{session}/{local}/{position}"
            derived = int.from_bytes(hashlib.sha256(key.encode()).digest()[:8], "big")
            settings = dataclasses.replace(settings, seed=derived)
        want_plp = body.flag("prompt_logprobs", False)
        topk = body.req_int("topk_prompt_logprobs", 0)
        last_n = body.opt_int("prompt_logprobs_last_n")
        unsupported = body.req_int("prompt_alt_tokens_k", 0) > 0 or body.has(
            "target_prompt_logprobs"
        )
        ready_at = _ready_at(self._s)
        entry = self._s.futures.create("Sample", None)
        if not self._s.legacy:
            base = slot.record.sampler_id
            entry.extra["sample_sequence_ids"] = [
                f"{base}:{seq_id if seq_id is not None else entry.request_id}:{i}"
                for i in range(num_samples)
            ]
        if seq_id is not None:
            slot.by_seq[seq_id] = entry
        self._s.samples_in_flight += 1

        async def work() -> FutureResult:
            try:
                if unsupported:
                    raise UserError("target_prompt_logprobs / prompt_alt_tokens are not supported")
                result = await self._s.blocking(
                    slot.engine.sample,
                    prompt,
                    num_samples,
                    settings,
                    prompt_logprobs=want_plp,
                    topk_prompt_logprobs=topk,
                )
                await _model_time(self._s, ready_at)
            finally:
                self._s.samples_in_flight -= 1
            if last_n is not None and result.prompt_logprobs is not None:
                masked = result.prompt_logprobs.copy()
                masked[: max(len(masked) - last_n, 0)] = np.nan
                result = dataclasses.replace(result, prompt_logprobs=masked)
            return SampleResponseResult(result)

        self._s.run_future(entry, work, on_finish=lambda: slot.record_finished(seq_id, entry))
        return json_reply(entry.submission())

    async def stream_sample(self, call: Call) -> Reply:
        """``stream_sample`` (a Tinkex addition): one sequence as server-sent events.

        One ``token`` event per sampled token, then ``done`` with the stop reason. The model
        samples the whole sequence at once (taking `BackendConfig.sample_time_s`, like
        ``asample``), so the events are written together; a JSON-era server has no such
        endpoint, and the legacy mode answers 404 like one.
        """
        if self._s.legacy:
            raise HttpError(404, "Not Found")
        body = Fields(decode_json(call.body))
        if body.has("sampling_session_id"):
            slot = self._sampler(body.req_str("sampling_session_id"))
        else:
            slot = await self._anonymous(body)
        prompt, _, settings = _sample_inputs(body, slot.engine, num_samples=1)
        ready_at = _ready_at(self._s)
        result = await self._s.blocking(slot.engine.sample, prompt, 1, settings)
        await _model_time(self._s, ready_at)
        sequence = result.sequences[0]
        events = []
        for index, (token, logprob) in enumerate(
            zip(sequence.tokens.tolist(), sequence.logprobs.tolist(), strict=True)
        ):
            chunk = {
                "event_type": "token",
                "token": _TOKENIZER.decode([token]),
                "token_id": token,
                "index": index,
                "logprob": logprob,
            }
            events.append(_sse("token", chunk))
        done = {
            "event_type": "done",
            "finish_reason": sequence.stop_reason,
            "total_tokens": len(sequence.tokens),
        }
        events.append(_sse("done", done))
        return Reply(
            status=200, headers={"content-type": "text/event-stream"}, body=b"".join(events)
        )


def _sample_inputs(
    body: Fields, engine: ModelEngine, *, num_samples: int | None = None
) -> tuple[np.ndarray, int, SampleSettings]:
    """Prompt, sample count and settings of a request, refused with 400 when too large.

    Without ``max_tokens`` a sequence may grow to the context length, which then bounds the
    request's size.
    """
    prompt = parse_model_input(body.sub("prompt"), "body.prompt")
    if prompt.shape[0] > engine.context_length:
        raise HttpError(
            400,
            f"body.prompt: {prompt.shape[0]} tokens exceed the model's context length "
            f"of {engine.context_length}",
        )
    count = body.req_int("num_samples", 1) if num_samples is None else num_samples
    settings = sample_settings(body.sub("sampling_params"))
    longest = engine.context_length if settings.max_tokens is None else settings.max_tokens
    check_sample_request(body, count, longest)
    return prompt, count, settings


def _ready_at(state: ServiceState) -> float | None:
    """When a sample accepted now may finish (`BackendConfig.sample_time_s`); None: at once."""
    seconds = state.config.sample_time_s
    return state.clock.monotonic() + seconds if seconds > 0 else None


async def _model_time(state: ServiceState, ready_at: float | None) -> None:
    # A real sampler's model time: a sleep, so samples wait it out together, not one by one.
    if ready_at is not None:
        remaining = ready_at - state.clock.monotonic()
        if remaining > 0:
            await state.clock.sleep(remaining)


def _sse(event: str, data: Mapping[str, object]) -> bytes:
    return b"event: " + event.encode() + b"\ndata: " + encode_json(data) + b"\n\n"
