"""Manifest types beyond wire Structs: aliases, newtypes, external types, and field views.

A field may read narrower than it decodes (``reads``) and accept wider input than it stores
(``accepts``): the generator then writes the static attribute type and a constructor
signature for type checkers only, leaving the run-time annotation (and decoding) as it was.
"""

from __future__ import annotations

import pytest

from tinkex.errors import ManifestError
from tinkex.manifest import load_manifest
from tinkex.manifest.gen_types import render_group
from tinkex.manifest.loader import default_manifest_path

TEXT = default_manifest_path().read_text(encoding="utf-8")


def _replace(old: str, new: str) -> str:
    assert TEXT.count(old) == 1, old
    return TEXT.replace(old, new)


@pytest.mark.parametrize(
    ("old", "new", "key_path", "fragment"),
    [
        pytest.param(
            "    type: LossFnType | LossFnName\n",
            "    type: LossFnType | LossFnNam\n",
            "types.LossFn.type",
            "unknown type 'LossFnNam'",
            id="alias-of-unknown-type",
        ),
        pytest.param(
            "    kind: newtype\n    type: string\n",
            "    kind: newtype\n    type: list[string]\n",
            "types.LossFnName.type",
            "a newtype is over one of",
            id="newtype-over-a-container",
        ),
        pytest.param(
            '    type: "tinkex.domain.mixins.datum:LossFnInput"\n',
            '    type: "LossFnInput"\n',
            "types.LossFnInput.type",
            "package.module:Name",
            id="external-without-module",
        ),
        pytest.param(
            '        accepts: "map[string,LossFnInput]"\n',
            '        accepts: "map[string,LossFnInputs]"\n',
            "types.Datum.fields.loss_fn_inputs.accepts",
            "unknown type 'LossFnInputs'",
            id="accepts-unknown-type",
        ),
        pytest.param(
            '        reads: "map[string,TensorData]"\n',
            '        reads: "map[string,TensorDat]"\n',
            "types.Datum.fields.loss_fn_inputs.reads",
            "unknown type 'TensorDat'",
            id="reads-unknown-type",
        ),
    ],
)
def test_bad_type_views_are_refused_with_their_key_path(
    old: str, new: str, key_path: str, fragment: str
) -> None:
    """Each mistake names the key it is under."""
    with pytest.raises(ManifestError) as caught:
        load_manifest(_replace(old, new), source="broken.yaml")
    assert caught.value.key_path == key_path
    assert fragment in str(caught.value)


def test_an_alias_needs_a_type_and_a_struct_must_not_have_one() -> None:
    """``type`` belongs to alias, newtype and external kinds only."""
    with pytest.raises(ManifestError, match="need a type"):
        load_manifest(_replace("    type: LossFnType | LossFnName\n", ""))
    struct = "  Datum:\n    group: training\n"
    with pytest.raises(ManifestError, match="need a type"):
        load_manifest(_replace(struct, struct + "    type: string\n"))


def test_views_render_a_type_checking_signature_and_keep_the_runtime_annotation() -> None:
    """Datum reads as TensorData, accepts a Mapping of LossFnInput, decodes as before."""
    source = render_group(load_manifest(), "training", package="tinkex")
    static = "        loss_fn_inputs: dict[str, TensorData] = always({})\n"
    runtime = "        loss_fn_inputs: dict[str, TensorData | Any] = always({})\n"
    assert f"    if TYPE_CHECKING:\n{static}    else:\n{runtime}" in source
    assert "            loss_fn_inputs: Mapping[str, LossFnInput] = ...,\n" in source
    assert "            model_input: ModelInput,\n" in source
    assert "if TYPE_CHECKING:\n    from collections.abc import Mapping\n" in source
    assert 'LossFnName = NewType("LossFnName", str)\n' in source
    assert "LossFn: TypeAlias = LossFnType | LossFnName\n" in source
    assert "from tinkex.domain.mixins.datum import DatumMixin, LossFnInput\n" in source
    assert '    "LossFnInput",\n' in source  # re-exported with the generated types
