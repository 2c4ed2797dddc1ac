r"""An incremental server-sent-events decoder (WHATWG HTML, "event stream interpretation").

Bytes may be split anywhere: inside a UTF-8 sequence, between ``\r`` and ``\n``, inside a
field name. Lines end with CRLF, LF or CR. A line starting with ``:`` is a comment; a line
without a colon is a field with an empty value; one space after the colon is dropped. ``data``
lines accumulate (joined with ``\n``); a blank line dispatches the event unless it had no
``data`` line. ``id`` values containing NUL are ignored; ``retry`` is honoured only when all digits.
At end of stream an event not yet closed by a blank line is discarded, as the standard says.
"""

from __future__ import annotations

import codecs
import re

from tinkex.ports.streaming import ServerSentEvent

__all__ = ["SSEDecoder"]

_BOM = "\ufeff"
_LINE_END = re.compile(r"\r\n|\r|\n")


class SSEDecoder:
    """Feed bytes, get the events completed so far.

    Attributes:
        last_event_id: The last event id set by the stream (persists across events).
        retry_ms: The reconnection delay most recently requested by the stream.
    """

    def __init__(self) -> None:
        self._text = codecs.getincrementaldecoder("utf-8")(errors="replace")
        self._pending = ""  # text of the current, unterminated line
        self._skip_lf = False  # the previous chunk ended with CR: a leading LF belongs to it
        self._started = False
        self._event_type = ""
        self._data: list[str] = []
        self.last_event_id: str | None = None
        self.retry_ms: int | None = None

    def feed(self, chunk: bytes) -> list[ServerSentEvent]:
        """Decode a chunk and return the events it completed."""
        return self._consume(self._text.decode(chunk))

    def finish(self) -> list[ServerSentEvent]:
        """Signal end of stream; returns the events completed by the final bytes.

        An unterminated last line still counts as a line, but an event that no blank line
        closed is dropped.
        """
        events = self._consume(self._text.decode(b"", final=True))
        if self._pending:
            self._line(self._pending)
            self._pending = ""
        self._event_type, self._data = "", []
        return events

    def _consume(self, text: str) -> list[ServerSentEvent]:
        if not self._started and text:
            self._started = True
            text = text.removeprefix(_BOM)
        if self._skip_lf and text:
            self._skip_lf = False
            text = text.removeprefix("\n")
        events: list[ServerSentEvent] = []
        start = 0
        for match in _LINE_END.finditer(text):
            line = self._pending + text[start : match.start()]
            self._pending = ""
            start = match.end()
            if match.group() == "\r" and start == len(text):
                self._skip_lf = True  # the LF of a CRLF may arrive with the next chunk
            event = self._line(line)
            if event is not None:
                events.append(event)
        self._pending += text[start:]
        return events

    def _line(self, line: str) -> ServerSentEvent | None:
        if not line:
            return self._dispatch()
        if line.startswith(":"):
            return None
        name, colon, value = line.partition(":")
        if colon and value.startswith(" "):
            value = value[1:]
        if name == "event":
            self._event_type = value
        elif name == "data":
            self._data.append(value)
        elif name == "id" and "\0" not in value:
            self.last_event_id = value or None
        elif name == "retry" and value.isascii() and value.isdigit():
            self.retry_ms = int(value)
        return None

    def _dispatch(self) -> ServerSentEvent | None:
        data, event_type = self._data, self._event_type
        self._data, self._event_type = [], ""
        if not data:
            return None
        return ServerSentEvent(
            event=event_type or "message",
            data="\n".join(data),
            id=self.last_event_id,
            retry_ms=self.retry_ms,
        )
