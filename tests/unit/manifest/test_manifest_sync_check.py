"""The ``check:`` key of a client method: what `tinkex.sync` generates from it."""

from __future__ import annotations

from typing import TYPE_CHECKING

import msgspec
import pytest

from tinkex.manifest import load_manifest
from tinkex.manifest.gen_clients import render_sync_clients
from tinkex.manifest.hooks import HookError, checked_hooks, default_hooks_root

if TYPE_CHECKING:
    from tinkex.manifest.schema import Manifest

CHECKED = "check=tinkex.clients.sampling_hooks.check_sample_call"


def _with_sample(manifest: Manifest, **changes: object) -> Manifest:
    sampling = manifest.clients["sampling"]
    sample = msgspec.structs.replace(sampling.methods["sample"], **changes)
    methods = {**sampling.methods, "sample": sample}
    clients = {**manifest.clients, "sampling": msgspec.structs.replace(sampling, methods=methods)}
    return msgspec.structs.replace(manifest, clients=clients)


def test_the_shipped_manifest_checks_sample_in_the_callers_thread() -> None:
    source = render_sync_clients(load_manifest(), package="tinkex")
    assert f"@as_future(tinkex.SamplingClient.sample, {CHECKED})" in source
    assert "import tinkex.clients.sampling_hooks\n" in source


def test_without_the_key_the_blocking_sample_waits_for_the_loop_as_before() -> None:
    source = render_sync_clients(_with_sample(load_manifest(), check=None), package="tinkex")
    assert CHECKED not in source
    assert "@as_future(tinkex.SamplingClient.sample)" in source
    assert "import tinkex.clients.sampling_hooks" not in source


def test_a_check_must_name_a_hook_of_the_client() -> None:
    edited = _with_sample(load_manifest(), check="no_such_check")
    with pytest.raises(HookError, match=r"clients\.sampling\.methods\.sample\.check"):
        checked_hooks(edited, "sampling", default_hooks_root())


def test_a_check_needs_a_method_whose_blocking_face_is_a_future() -> None:
    edited = _with_sample(load_manifest(), sync="value")
    with pytest.raises(ValueError, match="check is for methods"):
        render_sync_clients(edited, package="tinkex")
