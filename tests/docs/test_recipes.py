"""The docs' recipes run against the embedded backend and do what their pages say."""

from __future__ import annotations

import importlib.util
import statistics
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from types import ModuleType

    import pytest

RECIPES = Path(__file__).resolve().parents[2] / "docs" / "recipes"


def load(name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(f"tinkex_recipe_{name}", RECIPES / f"{name}.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


async def test_sft_chat_recipe_lowers_the_loss_on_assistant_tokens(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Twelve epochs over the chats at least halve the loss per trained token."""
    main: Any = load("sft_chat").main
    losses: list[float] = await main(tmp_path)
    assert len(losses) == 12
    assert losses[-1] < losses[0] / 2
    assert "reply:" in capsys.readouterr().out


def test_sft_chat_recipe_trains_only_on_the_assistant_text() -> None:
    """The rendered datum weights exactly the assistant's reply (and its newline)."""
    from tinkex.local.model.tokenizer import ByteTokenizer

    recipe = load("sft_chat")
    tokenizer = ByteTokenizer()
    chat = [("user", "Hi?"), ("assistant", "Yes.")]
    datum, trained = recipe.render_chat(chat, tokenizer)
    assert trained == len("Yes.\n")
    targets = datum.loss_fn_inputs["target_tokens"].tolist()
    weights = datum.loss_fn_inputs["weights"].tolist()
    weighted = bytes(t for t, w in zip(targets, weights, strict=True) if w == 1.0)
    assert weighted == b"Yes.\n"


async def test_rl_loop_recipe_raises_the_mean_reward(tmp_path: Path) -> None:
    """The importance-sampling loop raises the sampled reward well above where it started."""
    main: Any = load("rl_loop").main
    rewards: list[float] = await main(tmp_path)
    assert len(rewards) == 10
    assert statistics.fmean(rewards[-3:]) > statistics.fmean(rewards[:3]) + 0.3


def test_rl_loop_recipe_puts_advantages_only_on_sampled_tokens() -> None:
    """Prompt targets carry zero advantage and logprob; each sampled token carries both."""
    recipe = load("rl_loop")
    datum = recipe.policy_datum([256, 1, 2], [3, 4], [-0.5, -0.25], 0.75)
    inputs = datum.loss_fn_inputs
    assert inputs["target_tokens"].tolist() == [1, 2, 3, 4]
    assert inputs["logprobs"].tolist() == [0.0, 0.0, -0.5, -0.25]
    assert inputs["advantages"].tolist() == [0.0, 0.0, 0.75, 0.75]
