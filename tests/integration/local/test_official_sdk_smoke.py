"""Run the OFFICIAL tinker SDK against `python -m tinkex.local serve`, unchanged.

0.38 comes from /work/venv-tinker. Older releases run when an environment variable names a
directory holding them (``pip install --no-deps --target DIR tinker==0.25.0``; their other
dependencies come from the same venv): ``TINKEX_TINKER_025_PATH`` (normal mode) and
``TINKEX_TINKER_0161_PATH`` (JSON era, against ``--legacy``).
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

import tinkex

OFFICIAL_PYTHON = Path("/work/venv-tinker/bin/python")
REPO_ROOT = Path(tinkex.__file__).resolve().parents[1]

SCRIPT = """
import sys
import tinker
from tinker import types

url = sys.argv[1]
service = tinker.ServiceClient(base_url=url, api_key="tml-official-smoke")
training = service.create_lora_training_client(base_model="Qwen/Qwen3-8B", rank=4).result()
tokens = list(b"hello from the official sdk")
datum = types.Datum(
    model_input=types.ModelInput.from_ints(tokens[:-1]),
    loss_fn_inputs={"target_tokens": tokens[1:], "weights": [1.0] * (len(tokens) - 1)},
)
other = types.Datum(
    model_input=types.ModelInput.from_ints(tokens[:8]),
    loss_fn_inputs={"target_tokens": tokens[1:9], "weights": [1.0] * 8},
)
first = training.forward_backward([datum, other], "cross_entropy")
step = training.optim_step(types.AdamParams(learning_rate=1e-2))
before = first.result().metrics["loss:sum"]
step.result()
after = training.forward([datum, other], "cross_entropy").result().metrics["loss:sum"]
assert after < before, (before, after)
state = training.save_state("smoke").result()
sampler = training.save_weights_and_get_sampling_client().result()
result = sampler.sample(
    prompt=types.ModelInput.from_ints(tokens[:5]),
    num_samples=2,
    sampling_params=types.SamplingParams(max_tokens=6, seed=1),
    include_prompt_logprobs=True,
).result()
assert [len(s.tokens) <= 6 for s in result.sequences] == [True, True]
assert result.prompt_logprobs[0] is None
loaded = service.create_training_client_from_state_with_optimizer(state.path).result()
assert loaded.get_info().lora_rank == 4
rest = tinker.RestClient(base_url=url, api_key="tml-official-smoke")
assert rest.list_training_runs().result().cursor.total_count == 2
assert [c.checkpoint_id for c in rest.list_checkpoints(training.model_id).result().checkpoints] == [
    "weights/smoke"
]
service.close("success").result()
print("SMOKE-OK")
"""


OLD_SCRIPT = """
import sys
import tinker
from tinker import types

url = sys.argv[1]
service = tinker.ServiceClient(base_url=url, api_key="tml-official-smoke")
training = service.create_lora_training_client(base_model="Qwen/Qwen3-8B", rank=4)
if not hasattr(training, "forward_backward"):
    training = training.result()
tokens = list(b"hello from an older sdk")
datum = types.Datum(
    model_input=types.ModelInput.from_ints(tokens[:-1]),
    loss_fn_inputs={"target_tokens": tokens[1:], "weights": [1.0] * (len(tokens) - 1)},
)
before = training.forward_backward([datum], "cross_entropy").result().metrics["loss:sum"]
training.optim_step(types.AdamParams(learning_rate=1e-2)).result()
after = training.forward([datum], "cross_entropy").result().metrics["loss:sum"]
assert after < before, (before, after)
state = training.save_state("smoke").result()
sampler = training.save_weights_and_get_sampling_client(name="s")
result = sampler.sample(
    prompt=types.ModelInput.from_ints(tokens[:5]),
    num_samples=2,
    sampling_params=types.SamplingParams(max_tokens=6, seed=1),
    include_prompt_logprobs=True,
    topk_prompt_logprobs=2,
).result()
assert len(result.sequences) == 2 and result.prompt_logprobs[0] is None
service.create_training_client_from_state(state.path)
rest = service.create_rest_client()
assert [c.checkpoint_id for c in rest.list_checkpoints(training.model_id).result().checkpoints] == [
    "weights/smoke"
]
if hasattr(rest, "get_checkpoint_archive_url_from_tinker_path"):
    assert rest.get_checkpoint_archive_url_from_tinker_path(state.path).result().url
print("SMOKE-OK")
"""

FAULTY = [
    "--fault-plan",
    '{"seed": 3, "error_5xx": 0.1, "drop_connection": 0.05, "backpressure_429": 0.3,'
    ' "paused_408": 0.2, "latency_ms": [0, 20]}',
    "--metadata-threshold",
    "10",
    "--poll-timeout",
    "0.5",
]
FLAGS = [
    "--client-flag",
    "sample_use_retrieve_futures=true",
    "--client-flag",
    "proto_compress_fwdbwd=true",
    "--client-flag",
    "sample_join_sampling_session=true",
    "--client-flag",
    "fwdbwd_max_chunk_len=1",
]
CASES = [
    pytest.param(None, [], SCRIPT, id="0.38"),
    pytest.param(None, FAULTY, SCRIPT, id="0.38-faults"),
    pytest.param(None, FLAGS, SCRIPT, id="0.38-flags"),
    pytest.param("TINKEX_TINKER_025_PATH", [], OLD_SCRIPT, id="0.25"),
    pytest.param("TINKEX_TINKER_0161_PATH", ["--legacy"], OLD_SCRIPT, id="0.16.1-legacy"),
]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _wait_listening(port: int, proc: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        assert proc.poll() is None, "server exited early"
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.1)
    raise AssertionError("server did not start listening")


@pytest.mark.slow
@pytest.mark.skipif(not OFFICIAL_PYTHON.exists(), reason="official SDK venv not installed")
@pytest.mark.parametrize(("path_variable", "server_args", "script_text"), CASES)
def test_official_sdk_trains_and_samples_against_local_server(
    tmp_path: Path, path_variable: str | None, server_args: list[str], script_text: str
) -> None:
    """create_lora_training_client → forward_backward → optim_step → sample, unchanged SDK."""
    sdk_env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path)}
    if path_variable is not None:
        sdk_path = os.environ.get(path_variable)
        if not sdk_path:
            pytest.skip(f"{path_variable} not set")
        sdk_env["PYTHONPATH"] = sdk_path
    port = _free_port()
    command = [sys.executable, "-m", "tinkex.local", "serve", "--port", str(port)]
    command += ["--data-dir", str(tmp_path / "data"), *server_args]
    server = subprocess.Popen(
        command,
        cwd=tmp_path,
        env={"PYTHONPATH": str(REPO_ROOT), "PATH": "/usr/bin:/bin"},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        _wait_listening(port, server)
        script = tmp_path / "smoke.py"
        script.write_text(script_text)
        done = subprocess.run(
            [str(OFFICIAL_PYTHON), str(script), f"http://127.0.0.1:{port}"],
            cwd=tmp_path,
            env=sdk_env,
            capture_output=True,
            timeout=120,
            check=False,
        )
        assert done.returncode == 0, done.stderr.decode()[-3000:]
        assert b"SMOKE-OK" in done.stdout
    finally:
        server.terminate()
        server.wait(timeout=10)
        if server.stderr is not None:
            server.stderr.close()
