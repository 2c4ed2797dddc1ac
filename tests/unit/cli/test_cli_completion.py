"""``tinkex completion``: the printed scripts complete commands, options and values."""

from __future__ import annotations

import io
import shutil
import subprocess
from typing import TYPE_CHECKING

import pytest

from tinkex.cli import build_parser, main
from tinkex.cli.completion import command_tree

if TYPE_CHECKING:
    from pathlib import Path

# Each case: the words typed (the last one is being completed) and what must be offered.
CASES = [
    (["tinkex", ""], {"run", "checkpoint", "sample", "completion", "--format", "-v"}),
    (["tinkex", "ch"], {"checkpoint"}),
    (["tinkex", "-f", "j"], {"json"}),
    (["tinkex", "--format", "json", "run", "l"], {"list"}),
    (["tinkex", "--base-url", "local", "checkpoint", "d"], {"download", "delete"}),
    (["tinkex", "checkpoint", "delete", "--type", "s"], {"sampler", "sampler_weights"}),
    (["tinkex", "sample", "--t"], {"--temperature", "--top-p", "--top-k"}),
    (["tinkex", "completion", ""], {"bash", "zsh", "-h", "--help"}),
]


def script(shell: str) -> str:
    out = io.StringIO()
    assert main(["completion", shell], stdout=out, env={}) == 0
    return out.getvalue()


def complete(shell: str, script_path: Path, words: list[str]) -> set[str]:
    """Run the completion function in `shell` as the shell would, and return its replies."""
    quoted = " ".join(f"'{w}'" for w in words)
    body = (
        f"COMP_WORDS=({quoted}); COMP_CWORD={len(words) - 1}; _tinkex_complete; "
        'printf "%s\\n" "${COMPREPLY[@]}"'
    )
    if shell == "bash":
        command = ["bash", "--norc", "-c", f"source {script_path}; {body}"]
    else:  # zsh calls bash-style functions in sh emulation (0-based arrays)
        setup = f"autoload -U compinit && compinit -u -D; source {script_path}; emulate -L sh"
        command = ["zsh", "-f", "-c", f"{setup}; {body}"]
    done = subprocess.run(command, capture_output=True, text=True, timeout=20, check=True)
    replies = {line for line in done.stdout.splitlines() if line}
    if shell == "zsh":  # zsh's compgen offers every word; compadd then keeps those typed so far
        replies = {r for r in replies if r.startswith(words[-1])}
    return replies


@pytest.mark.parametrize("shell", ["bash", "zsh"])
def test_completion_scripts_complete_commands_options_and_values(
    shell: str, tmp_path: Path
) -> None:
    """Every case offers the expected words, and only words that start as typed."""
    if shutil.which(shell) is None:
        pytest.skip(f"{shell} is not installed")
    path = tmp_path / f"tinkex.{shell}"
    path.write_text(script(shell), encoding="utf-8")
    for words, expected in CASES:
        offered = complete(shell, path, words)
        assert expected <= offered, (words, offered)
        assert all(w.startswith(words[-1]) for w in offered), (words, offered)


def test_file_options_complete_file_names(tmp_path: Path) -> None:
    """--prompt-file completes paths; --max-tokens (free text) offers nothing."""
    if shutil.which("bash") is None:
        pytest.skip("bash is not installed")
    (tmp_path / "prompt-one.txt").write_text("x", encoding="utf-8")
    path = tmp_path / "tinkex.bash"
    path.write_text(script("bash"), encoding="utf-8")
    prefix = str(tmp_path / "prompt-")
    offered = complete("bash", path, ["tinkex", "sample", "--prompt-file", prefix])
    assert offered == {str(tmp_path / "prompt-one.txt")}
    assert complete("bash", path, ["tinkex", "sample", "--max-tokens", ""]) == set()


def test_the_tree_covers_every_command_of_the_parser() -> None:
    """Every command path argparse knows appears, with its options and value choices."""
    tree = command_tree(build_parser())
    assert {"", "run list", "checkpoint download", "sample", "completion"} <= set(tree)
    assert tree[""].values["--format"] == ["table", "json"]
    assert "--prompt-file" in tree["sample"].words
    assert tree["sample"].values["--prompt-file"] == ["@files"]


def test_an_unknown_shell_is_a_usage_error() -> None:
    """Only bash and zsh are offered."""
    err = io.StringIO()
    assert main(["completion", "fish"], stderr=err, env={}) == 2
    assert "invalid choice: 'fish'" in err.getvalue()
