"""``tinkex sample``: complete a prompt with a base model or saved sampler weights.

```text
tinkex [-f json] sample (--base-model NAME | --model-path TINKER_PATH)
       (--prompt TEXT | --prompt-file FILE) [--max-tokens N] [--temperature T] [--top-p P]
       [--top-k K] [--num-samples N] [--seed S] [--stop TEXT]... [-o FILE]
```

A prompt file holds text, or token ids as a JSON list (``[1, 2, 3]``) or object
(``{"tokens": [1, 2, 3]}``); ``-`` reads standard input. Every flag is checked before anything
is sent. The result is the completions as text (default) or a JSON document (``-f json``, or
written to ``-o FILE``).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

from tinkex.cli.connect import connect
from tinkex.cli.output import write_json
from tinkex.domain.paths import require_kind
from tinkex.domain.sampling_params import validate_sample_args
from tinkex.domain.types import ModelInput, SamplingParams
from tinkex.errors import UnsupportedByServerError, ValidationError

if TYPE_CHECKING:
    import argparse
    from collections.abc import Callable

    from tinkex.cli.context import CommandContext
    from tinkex.domain.types import SampleResponse
    from tinkex.tokenizer import Tokenizer

__all__ = ["register"]

# The sampling library names arguments as Python does; the CLI reports the flag people typed.
_FLAGS: Final = {
    "num_samples": "--num-samples",
    "max_tokens": "--max-tokens",
    "temperature": "--temperature",
    "top_k": "--top-k",
    "top_p": "--top-p",
    "stop": "--stop",
    "seed": "--seed",
}


def register(groups: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``sample``."""
    sample = groups.add_parser(
        "sample",
        help="sample completions of a prompt",
        description="Sample completions of a prompt from a base model or sampler weights.",
    )
    model = sample.add_mutually_exclusive_group(required=True)
    model.add_argument("--base-model", "-m", help="base model (see 'tinkex model list')")
    model.add_argument("--model-path", metavar="TINKER_PATH", help="tinker://…/sampler_weights/…")
    prompt = sample.add_mutually_exclusive_group(required=True)
    prompt.add_argument("--prompt", "-p", help="the prompt text")
    prompt.add_argument(
        "--prompt-file",
        type=Path,
        metavar="FILE",
        help="text, or token ids as JSON ([1, 2] or {\"tokens\": [1, 2]}); '-' reads stdin",
    )
    sample.add_argument("--max-tokens", type=int, default=64, help="per completion (64)")
    sample.add_argument("--temperature", type=float, default=1.0, help="(1.0)")
    sample.add_argument("--top-p", type=float, default=1.0, help="nucleus probability (1.0)")
    sample.add_argument("--top-k", type=int, default=-1, help="-1 = no cutoff (-1)")
    sample.add_argument("--num-samples", "-n", type=int, default=1, help="completions (1)")
    sample.add_argument("--seed", type=int, help="for reproducible samples")
    sample.add_argument(
        "--stop", action="append", metavar="TEXT", help="stop at this text (repeatable)"
    )
    sample.add_argument("--output", "-o", type=Path, metavar="FILE", help="write the JSON here")
    sample.set_defaults(handler=sample_command)


async def sample_command(ctx: CommandContext) -> int:
    """Sample, then print the completions or write the JSON document."""
    args = ctx.args
    params = _sampling_params(args)
    if args.model_path is not None:
        require_kind(args.model_path, {"sampler"}, field="--model-path")
    prompt = _read_prompt(ctx)
    async with connect(ctx.options) as conn:
        service = await conn.service(user_metadata={"created_by": "tinkex sample"})
        sampler = await service.create_sampling_client(
            model_path=args.model_path, base_model=args.base_model
        )
        tokenizer: Tokenizer | None
        if isinstance(prompt, str):
            tokenizer = sampler.get_tokenizer()
            tokens = tokenizer.encode(prompt, add_bos=True)
        else:
            tokenizer, tokens = _optional_tokenizer(sampler.get_tokenizer), prompt
        response = await sampler.sample(ModelInput.from_ints(tokens), args.num_samples, params)
    document = _document(args, sampler.base_model, prompt, tokens, params)
    document["samples"] = _samples(response, tokenizer)
    if args.output is not None:
        with args.output.open("w", encoding="utf-8") as file:
            write_json(file, document)
        ctx.err.write(f"Wrote {len(document['samples'])} sample(s) to {args.output}\n")
        return 0
    ctx.emit(document, lambda: _as_text(document["samples"]))
    return 0


def _sampling_params(args: argparse.Namespace) -> SamplingParams:
    stop: list[str] | None = args.stop
    try:
        validate_sample_args(
            num_samples=args.num_samples,
            max_tokens=args.max_tokens,
            temperature=args.temperature,
            top_k=args.top_k,
            top_p=args.top_p,
            stop=stop,
            seed=args.seed,
            include_prompt_logprobs=False,
            topk_prompt_logprobs=0,
            topk_sample_logprobs=0,
            prompt_alt_tokens_k=0,
            prompt_logprobs_last_n=None,
            prompt_length=None,
            target_prompt_logprobs_shape=None,
        )
    except ValidationError as exc:
        field = exc.field or ""
        message = str(exc).removeprefix(f"{field}: ")
        raise ValidationError(message, field=_FLAGS.get(field, field)) from None
    return SamplingParams(
        max_tokens=args.max_tokens,
        temperature=args.temperature,
        top_p=args.top_p,
        top_k=args.top_k,
        seed=args.seed,
        stop=list(stop) if stop else None,
    )


def _read_prompt(ctx: CommandContext) -> str | list[int]:
    """The prompt text, or token ids when the prompt file holds them."""
    args = ctx.args
    if args.prompt is not None:
        text: str = args.prompt
    elif str(args.prompt_file) == "-":
        text = ctx.stdin.read()
    else:
        try:
            text = Path(args.prompt_file).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise ValidationError(f"cannot read it: {exc}", field="--prompt-file") from None
    flag = "--prompt" if args.prompt is not None else "--prompt-file"
    prompt = _token_ids(text) if args.prompt_file is not None else None
    if prompt is None:
        if not text.strip():
            raise ValidationError("the prompt is empty", field=flag)
        return text
    if not prompt:
        raise ValidationError("the prompt has no tokens", field=flag)
    return prompt


def _token_ids(text: str) -> list[int] | None:
    try:
        value: Any = json.loads(text)
    except ValueError:
        return None
    if isinstance(value, dict):
        value = value.get("tokens")
    if isinstance(value, list) and all(
        isinstance(t, int) and not isinstance(t, bool) for t in value
    ):
        return list(value)
    return None


def _optional_tokenizer(load: Callable[[], Tokenizer]) -> Tokenizer | None:
    """The sampler's tokenizer, if it can be loaded: token prompts work without one."""
    try:
        return load()
    except UnsupportedByServerError:  # a real model's tokenizer needs 'transformers'
        return None


def _document(
    args: argparse.Namespace,
    base_model: str,
    prompt: str | list[int],
    tokens: list[int],
    params: SamplingParams,
) -> dict[str, Any]:
    return {
        "base_model": base_model,
        "model_path": args.model_path,
        "prompt": {"text": prompt if isinstance(prompt, str) else None, "tokens": tokens},
        "sampling_params": {
            "max_tokens": params.max_tokens,
            "temperature": params.temperature,
            "top_p": params.top_p,
            "top_k": params.top_k,
            "seed": params.seed,
            "stop": params.stop,
            "num_samples": args.num_samples,
        },
    }


def _samples(response: SampleResponse, tokenizer: Tokenizer | None) -> list[dict[str, Any]]:
    return [
        {
            "text": tokenizer.decode(seq.tokens) if tokenizer is not None else None,
            "tokens": seq.tokens,
            "logprobs": seq.logprobs,
            "stop_reason": seq.stop_reason,
        }
        for seq in response.sequences
    ]


def _as_text(samples: list[dict[str, Any]]) -> str:
    blocks = []
    for number, sample in enumerate(samples, 1):
        heading = f"--- sample {number} ({len(sample['tokens'])} tokens, {sample['stop_reason']})"
        body = sample["text"] if sample["text"] is not None else json.dumps(sample["tokens"])
        blocks.append(f"{heading}\n{body}\n")
    return "".join(blocks)
