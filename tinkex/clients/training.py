"""`TrainingClient`, generated from the manifest on its hand-written core.

The class lives in `tinkex.clients.generated.training` (from ``clients.training`` and its
flows), on `tinkex.clients.training_core.TrainingClientCore` (construction, lifecycle, state),
and calls the domain hooks of `tinkex.clients.training_hooks`. This module is where it has
always been imported from.
"""

from tinkex.clients.generated.training import TrainingClient

__all__ = ["TrainingClient"]
