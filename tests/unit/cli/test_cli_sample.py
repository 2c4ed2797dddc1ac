"""``tinkex sample`` end to end against the in-process embedded backend."""

from __future__ import annotations

import io
import json
from typing import TYPE_CHECKING

import pytest
from cli_fixtures import TINY_MODEL, run_cli, seed

if TYPE_CHECKING:
    from pathlib import Path

BOS = 256  # the byte tokenizer's begin-of-sequence id


def sample_json(data_dir: Path, *argv: str, stdin: str = "") -> dict[str, object]:
    result = run_cli(data_dir, "-f", "json", "sample", *argv, stdin=io.StringIO(stdin))
    assert result.code == 0, result.err
    document: dict[str, object] = result.json()
    return document


def test_sample_prints_json_with_the_prompt_params_and_completions(tmp_path: Path) -> None:
    """Two seeded completions of a text prompt, with tokens, logprobs and stop reasons."""
    document = sample_json(
        tmp_path, "-m", TINY_MODEL, "-p", "The cat", "-n", "2", "--max-tokens", "6", "--seed", "7"
    )
    assert document["base_model"] == TINY_MODEL
    assert document["model_path"] is None
    assert document["prompt"] == {"text": "The cat", "tokens": [BOS, *b"The cat"]}
    params = document["sampling_params"]
    assert isinstance(params, dict)
    assert (params["max_tokens"], params["seed"], params["num_samples"]) == (6, 7, 2)
    samples = document["samples"]
    assert isinstance(samples, list)
    assert len(samples) == 2
    for sample in samples:
        assert len(sample["tokens"]) == 6
        assert len(sample["logprobs"]) == 6
        assert sample["stop_reason"] == "length"
        assert isinstance(sample["text"], str)


def test_the_same_seed_gives_the_same_tokens(tmp_path: Path) -> None:
    """Rerunning with --seed reproduces the completion; another seed changes it."""
    argv = ("-m", TINY_MODEL, "-p", "Hello", "--max-tokens", "12")
    first = sample_json(tmp_path, *argv, "--seed", "1")["samples"]
    again = sample_json(tmp_path, *argv, "--seed", "1")["samples"]
    other = sample_json(tmp_path, *argv, "--seed", "2")["samples"]
    assert first == again
    assert first != other


def test_prompt_files_hold_text_or_token_ids(tmp_path: Path) -> None:
    """A file of text is tokenized; a JSON list or {"tokens": [...]} is used as token ids."""
    text_file = tmp_path / "prompt.txt"
    text_file.write_text("Once upon a time", encoding="utf-8")
    ids_file = tmp_path / "ids.json"
    ids_file.write_text(json.dumps({"tokens": [BOS, 72, 105]}), encoding="utf-8")
    argv = ("-m", TINY_MODEL, "--max-tokens", "3")
    from_text = sample_json(tmp_path, *argv, "--prompt-file", str(text_file))
    assert from_text["prompt"] == {
        "text": "Once upon a time",
        "tokens": [BOS, *b"Once upon a time"],
    }
    from_ids = sample_json(tmp_path, *argv, "--prompt-file", str(ids_file))
    assert from_ids["prompt"] == {"text": None, "tokens": [BOS, 72, 105]}
    from_stdin = sample_json(tmp_path, *argv, "--prompt-file", "-", stdin="[256, 72]")
    assert from_stdin["prompt"] == {"text": None, "tokens": [BOS, 72]}


def test_sampler_weights_are_sampled_by_path_and_written_to_a_file(tmp_path: Path) -> None:
    """--model-path samples saved sampler weights; -o writes the JSON and leaves stdout empty."""
    seeded = seed(tmp_path / "data")
    target = tmp_path / "out.json"
    result = run_cli(
        tmp_path / "data",
        "sample",
        "--model-path",
        seeded.sampler,
        "-p",
        "Hi",
        "--max-tokens",
        "4",
        "-o",
        str(target),
    )
    assert result.code == 0, result.err
    assert result.out == ""
    assert result.err == f"Wrote 1 sample(s) to {target}\n"
    document = json.loads(target.read_text(encoding="utf-8"))
    assert document["model_path"] == seeded.sampler
    assert document["base_model"] == TINY_MODEL
    assert len(document["samples"][0]["tokens"]) == 4


def test_text_output_shows_each_completion(tmp_path: Path) -> None:
    """Without -f json each completion is a heading and its decoded text."""
    result = run_cli(
        tmp_path, "sample", "-m", TINY_MODEL, "-p", "Hi", "-n", "2", "--max-tokens", "5"
    )
    assert result.code == 0, result.err
    headings = [line for line in result.out.splitlines() if line.startswith("--- sample")]
    assert headings == ["--- sample 1 (5 tokens, length)", "--- sample 2 (5 tokens, length)"]


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (("--temperature", "-1"), "Error: --temperature: must be >= 0"),
        (("--top-p", "1.5"), "Error: --top-p:"),
        (("--num-samples", "0"), "Error: --num-samples:"),
        (("--max-tokens", "0"), "Error: --max-tokens:"),
        (("-p", "   "), "Error: --prompt: the prompt is empty"),
        (("--prompt-file", "/nonexistent/prompt.txt"), "Error: --prompt-file: cannot read it"),
        (("--model-path", "tinker://r:train:0/weights/s1"), "Error: --model-path:"),
    ],
)
def test_bad_flags_fail_before_anything_is_sent(
    tmp_path: Path, argv: tuple[str, ...], message: str
) -> None:
    """Each bad flag exits 1 naming the flag, and no session was created on the backend."""
    model = () if "--model-path" in argv else ("-m", TINY_MODEL)
    prompt = () if {"-p", "--prompt-file"} & set(argv) else ("-p", "Hi")
    result = run_cli(tmp_path, "sample", *model, *prompt, *argv)
    assert result.code == 1
    assert result.out == ""
    assert result.err.startswith(message), result.err
    sessions = run_cli(tmp_path, "-f", "json", "session", "list")
    assert sessions.json()["sessions"] == []


def test_model_and_prompt_are_required_and_exclusive(tmp_path: Path) -> None:
    """argparse refuses a missing model, two prompts, or two models (usage errors, exit 2)."""
    err = io.StringIO()
    assert run_cli(tmp_path, "sample", "-p", "x", stderr=err).code == 2
    assert "one of the arguments --base-model/-m --model-path is required" in err.getvalue()
    both = ("-m", TINY_MODEL, "-p", "x", "--prompt-file", "f")
    assert run_cli(tmp_path, "sample", *both).code == 2
