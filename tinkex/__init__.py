"""tinkex: an asyncio-first SDK for the Tinker fine-tuning and sampling API."""

__version__ = "0.1.0"
