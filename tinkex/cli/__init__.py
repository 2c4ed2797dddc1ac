"""The ``tinkex`` command line (``tinkex --help``); `main` returns the exit status."""

from tinkex.cli.app import build_parser, main

__all__ = ["build_parser", "main"]
