"""The tinkex CLI, run in-process against an embedded backend's persistent data directory."""

from __future__ import annotations

import io
import json
from typing import TYPE_CHECKING

from cli_fixtures import TINY_MODEL, Terminal, run_cli, seed

from tinkex.cli import main
from tinkex.cli.terminal import ERASE_LINE

if TYPE_CHECKING:
    from pathlib import Path

    import pytest

DIM = "\x1b[2m"


def test_version_prints_the_package_version() -> None:
    """``tinkex version`` prints the package and wire versions and exits 0."""
    out = io.StringIO()
    assert main(["version"], stdout=out, env={}) == 0
    assert out.getvalue().startswith("tinkex 0.")
    assert "0.38.0" in out.getvalue()


def test_runs_are_listed_and_described(tmp_path: Path) -> None:
    """Run list/info show the seeded run in JSON and in a table."""
    seeded = seed(tmp_path)
    listed = run_cli(tmp_path, "-f", "json", "run", "list")
    assert listed.code == 0, listed.err
    assert [r["training_run_id"] for r in listed.json()["runs"]] == [seeded.run_id]
    assert listed.json()["runs"][0]["last_checkpoint"]["tinker_path"] == seeded.state

    table = run_cli(tmp_path, "run", "list", "--columns", "id,lora,checkpoint")
    assert table.code == 0
    lines = table.out.splitlines()
    assert lines[0] == "1 training runs"
    assert lines[1].split() == ["Run", "ID", "LoRA", "Last", "Checkpoint"]
    assert seeded.run_id in lines[3]
    assert "Yes (Rank 4)" in lines[3]

    info = run_cli(tmp_path, "-f", "json", "run", "info", seeded.run_id)
    assert (info.json()["base_model"], info.json()["lora_rank"]) == (TINY_MODEL, 4)
    assert "Base Model" in run_cli(tmp_path, "run", "info", seeded.run_id).out


def test_checkpoint_list_sees_what_an_earlier_process_saved(tmp_path: Path) -> None:
    """A later CLI process lists the checkpoints, all of them or one run's, with limits."""
    seeded = seed(tmp_path)
    everything = run_cli(tmp_path, "-f", "json", "checkpoint", "list", "--limit", "0")
    paths = [c["tinker_path"] for c in everything.json()["checkpoints"]]
    assert sorted(paths) == sorted([seeded.state, seeded.sampler, seeded.external])

    per_run = run_cli(tmp_path, "-f", "json", "checkpoint", "list", "--run-id", seeded.run_id)
    assert per_run.json()["run_id"] == seeded.run_id
    assert len(per_run.json()["checkpoints"]) == 3

    limited = run_cli(tmp_path, "checkpoint", "list", "--limit", "2")
    assert limited.out.splitlines()[0] == (
        "2 checkpoints (1 more not shown, use --limit to see more)"
    )
    assert "Never" in limited.out


def test_publish_ttl_and_info(tmp_path: Path) -> None:
    """Publishing and TTL changes show up in checkpoint info; a bad TTL is refused."""
    seeded = seed(tmp_path)
    assert run_cli(tmp_path, "checkpoint", "publish", seeded.state).code == 0
    assert run_cli(tmp_path, "checkpoint", "set-ttl", seeded.state, "--ttl", "7200").code == 0
    info = run_cli(tmp_path, "-f", "json", "checkpoint", "info", seeded.state).json()
    assert info["public"] is True
    assert info["expires_at"] is not None
    assert (info["is_lora"], info["lora_rank"]) == (True, 4)

    again = run_cli(tmp_path, "checkpoint", "publish", seeded.state)
    assert again.code == 1
    assert again.err == f"Error: Conflict\n  {seeded.state} is already public\n"
    assert run_cli(tmp_path, "checkpoint", "unpublish", seeded.state).code == 0
    assert run_cli(tmp_path, "checkpoint", "set-ttl", seeded.state, "--remove").code == 0
    info = run_cli(tmp_path, "-f", "json", "checkpoint", "info", seeded.state).json()
    assert (info["public"], info["expires_at"]) == (False, None)

    bad = run_cli(tmp_path, "checkpoint", "set-ttl", seeded.state, "--ttl", "5")
    assert bad.code == 1
    assert bad.err.startswith("Error: ttl_seconds: must be between 3600")


def test_bad_and_unknown_paths_print_an_error(tmp_path: Path) -> None:
    """A malformed path and an unknown run both exit 1 with an ``Error:`` line."""
    bad = run_cli(tmp_path, "checkpoint", "info", "not-a-path")
    assert bad.code == 1
    assert bad.out == ""
    assert bad.err.startswith("Error: TINKER_PATH: 'not-a-path' is not a tinker path")
    missing = run_cli(tmp_path, "checkpoint", "publish", "tinker://nope:train:0/weights/x")
    assert missing.code == 1
    assert missing.err.splitlines() == [
        "Error: Resource not found",
        "  training run nope:train:0 not found",
    ]


def test_delete_by_path_and_by_filter(tmp_path: Path) -> None:
    """Paths are deleted with -y; --run-id --type deletes only the matching kind."""
    seeded = seed(tmp_path)
    by_path = run_cli(tmp_path, "-f", "json", "checkpoint", "delete", seeded.external, "-y")
    assert by_path.json() == {"deleted_count": 1, "failed": []}
    by_type = run_cli(
        tmp_path, "checkpoint", "delete", "--run-id", seeded.run_id, "--type", "sampler", "-y"
    )
    assert by_type.out == "Deleted 1 of 1 checkpoints.\n"
    left = run_cli(tmp_path, "-f", "json", "checkpoint", "list", "--run-id", seeded.run_id)
    assert [c["tinker_path"] for c in left.json()["checkpoints"]] == [seeded.state]


def test_delete_asks_first_and_aborts_on_no(tmp_path: Path) -> None:
    """Without -y the user is asked; anything but 'y' deletes nothing and exits 1."""
    seeded = seed(tmp_path)
    refused = run_cli(tmp_path, "checkpoint", "delete", seeded.state, stdin=io.StringIO("n\n"))
    assert refused.code == 1
    assert "Delete 1 checkpoint(s)? [y/N]" in refused.err
    assert "Aborted." in refused.err
    left = run_cli(tmp_path, "-f", "json", "checkpoint", "list", "--run-id", seeded.run_id)
    assert len(left.json()["checkpoints"]) == 3
    accepted = run_cli(tmp_path, "checkpoint", "delete", seeded.state, stdin=io.StringIO("y\n"))
    assert accepted.code == 0


def test_delete_failures_are_reported_per_path(tmp_path: Path) -> None:
    """A path that does not exist is listed as failed and the exit status is 1."""
    seeded = seed(tmp_path)
    gone = f"tinker://{seeded.run_id}/weights/never-saved"
    result = run_cli(tmp_path, "-f", "json", "checkpoint", "delete", seeded.state, gone, "-y")
    assert result.code == 1
    document = result.json()
    assert document["deleted_count"] == 1
    assert [f["tinker_path"] for f in document["failed"]] == [gone]
    assert document["failed"][0]["error"].startswith("Resource not found")


class InterruptingInput(io.StringIO):
    """A stdin whose read is interrupted by Ctrl-C."""

    def readline(self, size: int | None = -1, /) -> str:  # type: ignore[override]
        raise KeyboardInterrupt


def test_ctrl_c_exits_130(tmp_path: Path) -> None:
    """Ctrl-C at the confirmation prompt exits with status 130."""
    seeded = seed(tmp_path)
    result = run_cli(tmp_path, "checkpoint", "delete", seeded.state, stdin=InterruptingInput())
    assert result.code == 130


def test_models_and_sessions(tmp_path: Path) -> None:
    """Model list filters by substring; session list/info show the seeding session."""
    seeded = seed(tmp_path)
    models = run_cli(tmp_path, "-f", "json", "model", "list", "TINY")
    assert [m["model_name"] for m in models.json()["models"]] == [TINY_MODEL]
    sessions = run_cli(tmp_path, "-f", "json", "session", "list").json()["sessions"]
    assert len(sessions) == 1
    info = run_cli(tmp_path, "-f", "json", "session", "info", sessions[0]).json()
    assert info["training_run_ids"] == [seeded.run_id]
    table = run_cli(tmp_path, "session", "info", sessions[0])
    assert f"Training Run  {seeded.run_id}" in table.out


def test_download_external_checkpoint(tmp_path: Path) -> None:
    """An external_weights checkpoint lands in the flattened directory; reruns need --force."""
    seeded = seed(tmp_path / "data")
    out = tmp_path / "out"
    first = run_cli(
        tmp_path / "data", "-f", "json", "checkpoint", "download", seeded.external, "-o", str(out)
    )
    assert first.code == 0, first.err
    target = out / seeded.external.removeprefix("tinker://").replace("/", "_")
    assert first.json()["destination"] == str(target)
    assert sorted(p.name for p in target.iterdir()) == ["adapter_config.json", "adapter_model.npz"]
    again = run_cli(tmp_path / "data", "checkpoint", "download", seeded.external, "-o", str(out))
    assert again.code == 1
    assert "already exists" in again.err
    forced = run_cli(
        tmp_path / "data", "checkpoint", "download", seeded.external, "-o", str(out), "--force"
    )
    assert forced.code == 0


def test_download_shows_progress_on_a_terminal(tmp_path: Path) -> None:
    """On a terminal, stderr redraws one line (bytes, percent, ETA) and erases it at the end."""
    seeded = seed(tmp_path / "data")
    err = Terminal()
    out = str(tmp_path / "out")
    result = run_cli(
        tmp_path / "data", "checkpoint", "download", seeded.external, "-o", out, stderr=err
    )
    assert result.code == 0
    updates = [u for u in result.err.split(ERASE_LINE) if u]
    assert updates, result.err
    assert all(u.startswith(DIM + "Downloading ") for u in updates)
    assert "ETA" in updates[0]
    assert "(100%)" in updates[-1]
    assert result.err.endswith(ERASE_LINE)  # only the result line remains on screen


def test_download_progress_is_plain_lines_off_a_terminal(tmp_path: Path) -> None:
    """Piped stderr gets a few plain lines (quarters of the download), no escape codes."""
    seeded = seed(tmp_path / "data")
    out = str(tmp_path / "out")
    result = run_cli(tmp_path / "data", "checkpoint", "download", seeded.external, "-o", out)
    assert result.code == 0
    lines = result.err.splitlines()
    assert "\x1b" not in result.err
    assert 1 <= len(lines) <= 5
    assert lines[-1].startswith("Downloading ")
    assert "(100%)" in lines[-1]


def test_sampler_download_is_refused(tmp_path: Path) -> None:
    """Sampler weights cannot be downloaded; the error says what to use instead."""
    seeded = seed(tmp_path)
    result = run_cli(tmp_path, "checkpoint", "download", seeded.sampler, "-o", str(tmp_path))
    assert result.code == 1
    assert result.err.startswith("Error: tinker_path:")


def test_usage_errors_exit_2_and_the_api_key_is_never_echoed(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Unknown formats are usage errors; a bad API key is reported without its value."""
    assert main(["--format", "xml", "run", "list"], env={}) == 2
    err = io.StringIO()
    code = main(
        ["--api-key", "not-a-key-s3cret", "--base-url", "https://example.invalid", "run", "list"],
        env={},
        stderr=err,
    )
    assert code == 1
    assert err.getvalue().startswith("Error: The api_key must start with the 'tml-' prefix")
    assert "s3cret" not in err.getvalue() + capsys.readouterr().err


def test_download_training_state_exports_then_cleans_up(tmp_path: Path) -> None:
    """A weights/ path is exported through a session, downloaded, and the export deleted."""
    seeded = seed(tmp_path / "data")
    out = tmp_path / "out"
    result = run_cli(tmp_path / "data", "checkpoint", "download", seeded.state, "-o", str(out))
    assert result.code == 0, result.err
    target = out / seeded.state.removeprefix("tinker://").replace("/", "_")
    assert sorted(p.name for p in target.iterdir()) == ["adapter_config.json", "adapter_model.npz"]
    assert result.out.startswith(f"Downloaded {seeded.state} (")
    listed = run_cli(tmp_path / "data", "-f", "json", "checkpoint", "list", "--limit", "0")
    paths = [c["tinker_path"] for c in listed.json()["checkpoints"]]
    assert not [p for p in paths if p.endswith("/external_weights/download")]
    assert seeded.state in paths


def test_local_backend_is_chosen_from_the_environment(tmp_path: Path) -> None:
    """TINKER_BASE_URL=local with TINKEX_LOCAL_DIR reaches the same data directory."""
    seeded = seed(tmp_path)
    out = io.StringIO()
    env = {"TINKER_BASE_URL": "local", "TINKEX_LOCAL_DIR": str(tmp_path), "TINKER_TELEMETRY": "0"}
    assert main(["-f", "json", "run", "list"], env=env, stdout=out) == 0
    assert [r["training_run_id"] for r in json.loads(out.getvalue())["runs"]] == [seeded.run_id]
