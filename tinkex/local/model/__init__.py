"""The tiny numpy language model that the embedded Tinker backend trains and samples."""

from tinkex.local.model.losses import LOSS_FUNCTIONS, LossInputError, loss_value_and_grad
from tinkex.local.model.model import CONTEXT_LENGTH, TinyModel
from tinkex.local.model.network import NetworkShape
from tinkex.local.model.records import (
    AdamSettings,
    DatumArrays,
    ForwardResult,
    LoraSpec,
    SampledSequenceArrays,
    SampleResult,
    SampleSettings,
)
from tinkex.local.model.tokenizer import BOS_ID, EOS_ID, VOCAB_SIZE, ByteTokenizer, VocabularyError

__all__ = [
    "BOS_ID",
    "CONTEXT_LENGTH",
    "EOS_ID",
    "LOSS_FUNCTIONS",
    "VOCAB_SIZE",
    "AdamSettings",
    "ByteTokenizer",
    "DatumArrays",
    "ForwardResult",
    "LoraSpec",
    "LossInputError",
    "NetworkShape",
    "SampleResult",
    "SampleSettings",
    "SampledSequenceArrays",
    "TinyModel",
    "VocabularyError",
    "loss_value_and_grad",
]
