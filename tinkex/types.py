"""The wire types of the Tinker API (generated from the manifest), under their public name.

```python
from tinkex import types
datum = types.Datum(model_input=types.ModelInput.from_ints(tokens), loss_fn_inputs={...})
```
"""

from tinkex.domain.types import *  # noqa: F403  # re-export the generated namespace as is
from tinkex.domain.types import __all__ as _generated

__all__ = list(_generated)
