"""Credentials: where they come from, where they are stored, and JWT mode.

- `tinkex.auth.store`: ``~/.tinker/credentials.json``, the official CLI's file and format.
- `tinkex.auth.command`: ``TINKER_CREDENTIAL_CMD``, run without a shell.
- `tinkex.auth.jwt`: claims, expiry and the identity ``whoami`` reports.
- `tinkex.auth.tokens`: the JWT of JWT mode, exchanged and kept fresh.
- `tinkex.auth.replay`: one replay of a request rejected with ``invalid_token``.
- `tinkex.auth.session_auth`: which credential each request of a client carries.

The order of the sources themselves is `tinkex.config.load_config`'s.
"""
