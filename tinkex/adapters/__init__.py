"""Adapters: the only modules that touch aiohttp, msgspec.json and other I/O libraries."""
