"""Documented request limits, shared by the client's validation and the embedded backend.

The client checks them before a request is built (a typed `ValidationError` naming the field,
nothing sent); the embedded backend enforces the same numbers on what arrives, answering 4xx,
so a client that skipped a check still cannot make one request take all the server's memory.
Token ids travel as int32 on the protobuf wire, hence their range.
"""

from __future__ import annotations

__all__ = [
    "MAX_DECOMPRESSED_BODY_BYTES",
    "MAX_JSON_BODY_BYTES",
    "MAX_JSON_DEPTH",
    "MAX_LEARNING_RATE",
    "MAX_LORA_RANK",
    "MAX_LOSS_INPUT_ELEMENTS_PER_REQUEST",
    "MAX_NUM_SAMPLES",
    "MAX_PROMPT_ALT_TOKENS_K",
    "MAX_REQUEST_BODY_BYTES",
    "MAX_SAMPLED_TOKENS_PER_REQUEST",
    "MAX_SAMPLE_MAX_TOKENS",
    "MAX_SEQ_ID",
    "MAX_TOKEN_ID",
    "MAX_TOPK_LOGPROBS",
    "MAX_TRAINING_TOKENS_PER_REQUEST",
    "MIN_TOKEN_ID",
]

MAX_NUM_SAMPLES = 1024
"""Largest ``num_samples`` of one sample request."""

MAX_TOPK_LOGPROBS = 128
"""Largest ``topk_prompt_logprobs`` / ``topk_sample_logprobs`` width."""

MAX_PROMPT_ALT_TOKENS_K = 128
"""Largest ``prompt_alt_tokens_k``."""

MAX_SAMPLE_MAX_TOKENS = 1 << 20
"""Largest ``SamplingParams.max_tokens``."""

MAX_SAMPLED_TOKENS_PER_REQUEST = 1 << 22
"""Largest ``num_samples * max_tokens`` the embedded backend generates for one request."""

MIN_TOKEN_ID = 0
MAX_TOKEN_ID = (1 << 31) - 1
"""Token ids are non-negative int32 values on the wire."""

MAX_LEARNING_RATE = 10.0
"""Largest optimizer learning rate; anything above only produces non-finite weights."""

MAX_SEQ_ID = (1 << 63) - 1
"""Sequence ids are int64 on the server."""

MAX_REQUEST_BODY_BYTES = 256 * 1024 * 1024
"""Largest request body the embedded backend reads (as sent, possibly compressed)."""

MAX_DECOMPRESSED_BODY_BYTES = 512 * 1024 * 1024
"""Largest request body after content-decoding; a larger one is a decompression bomb."""

MAX_JSON_DEPTH = 64
"""Deepest JSON nesting the embedded backend decodes."""

MAX_LORA_RANK = 1024
"""Largest LoRA rank of a new training model."""

MAX_TRAINING_TOKENS_PER_REQUEST = 1 << 22
"""Most model-input tokens, over all datums, of one forward/forward_backward request."""

MAX_LOSS_INPUT_ELEMENTS_PER_REQUEST = 1 << 26
"""Most loss-input elements (sparse tensors counted at their dense size) of one request."""

MAX_JSON_BODY_BYTES = 64 * 1024 * 1024
"""Largest JSON request body (after content-decoding) the embedded backend parses.

Parsed JSON takes several times its size in memory (a token id is a Python int); large
training batches travel as protobuf, which `MAX_DECOMPRESSED_BODY_BYTES` bounds.
"""
