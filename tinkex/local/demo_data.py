"""A small built-in English text set (short original sentences about gardening) for demos."""

from __future__ import annotations

from importlib import resources

__all__ = ["demo_texts"]


def demo_texts() -> list[str]:
    """The demo sentences, one per line of ``data/garden.txt``, in file order."""
    text = resources.files("tinkex.local").joinpath("data/garden.txt").read_text("utf-8")
    return [line for line in text.splitlines() if line.strip()]
