# Generated from tinkex/manifest/tinker.yaml by python -m tinkex.manifest generate; do not edit.
"""Wire types of the ``model_input`` group."""

from typing import Any, Literal, TypeAlias

from tinkex.domain.mixins.chunks import DmelLengthMixin, EncodedTextMixin, ExpectedTokensLengthMixin
from tinkex.domain.mixins.model_input import ModelInputMixin
from tinkex.domain.mixins.tensor import TensorDataMixin
from tinkex.domain.types._base import Wire, always

__all__ = [
    "DmelChunk",
    "EncodedTextChunk",
    "ImageAssetPointerChunk",
    "ImageChunk",
    "ModelInput",
    "ModelInputChunk",
    "PromptProvenanceSpan",
    "ProvenanceSpan",
    "SampledProvenanceSpan",
    "TensorData",
    "TensorDtype",
]


class EncodedTextChunk(
    EncodedTextMixin,
    Wire,
    frozen=True,
    kw_only=True,
    tag_field="type",
    tag="encoded_text",
):
    """Token ids (numpy array or list)."""

    tokens: Any
    """The token ids: a numpy array (int32 when they fit) or a list of ints (from JSON)."""


class ImageChunk(
    ExpectedTokensLengthMixin,
    Wire,
    frozen=True,
    kw_only=True,
    tag_field="type",
    tag="image",
):
    """An image (base64 in JSON); its length is expected_tokens."""

    data: bytes
    format: Literal["png", "jpeg"]
    expected_tokens: int | None = None


class ImageAssetPointerChunk(
    ExpectedTokensLengthMixin,
    Wire,
    frozen=True,
    kw_only=True,
    tag_field="type",
    tag="image_asset_pointer",
):
    """An image by location (sampling only); its length is expected_tokens."""

    format: Literal["png", "jpeg"]
    location: str
    expected_tokens: int | None = None


class DmelChunk(DmelLengthMixin, Wire, frozen=True, kw_only=True, tag_field="type", tag="dmel"):
    """Serialized audio-token TensorContainer (base64 in JSON)."""

    dmel: bytes


ModelInputChunk: TypeAlias = EncodedTextChunk | ImageChunk | ImageAssetPointerChunk | DmelChunk
"""Any model input chunk."""


class ModelInput(ModelInputMixin, Wire, frozen=True, kw_only=True):
    """A sequence of chunks."""

    chunks: list[ModelInputChunk]


TensorDtype: TypeAlias = Literal["int64", "float32"]
"""Tensor element types on the wire."""


class TensorData(TensorDataMixin, Wire, frozen=True, kw_only=True):
    """Flat row-major values (numpy array or list) with dtype and shape, optionally sparse CSR."""

    data: Any
    """The flat values: a numpy array (from numpy or protobuf) or a list of numbers (from JSON)."""
    dtype: TensorDtype
    shape: list[int] | None = None
    sparse_crow_indices: list[int] | None = None
    sparse_col_indices: list[int] | None = None


class PromptProvenanceSpan(Wire, frozen=True, kw_only=True, tag_field="type", tag="prompt_tokens"):
    """A token range that came from a prompt."""

    sequence_id: str
    offset: int = always(0)
    length: int


class SampledProvenanceSpan(
    Wire,
    frozen=True,
    kw_only=True,
    tag_field="type",
    tag="sampled_tokens",
):
    """A token range that was sampled."""

    sequence_id: str
    offset: int = always(0)
    length: int


ProvenanceSpan: TypeAlias = PromptProvenanceSpan | SampledProvenanceSpan
"""Where a token range came from."""
