"""Ports: the `typing.Protocol` seams between the domain and the outside world.

Each module holds one Protocol and the value types it speaks. Ports import only the standard
library, msgspec and `tinkex.errors`.
"""
