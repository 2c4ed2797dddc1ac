"""`tinker://` checkpoint paths and console URLs.

The official shape is ``tinker://<training_run_id>/<segment>/<name>``. The segment says what
the checkpoint holds: ``weights`` (a training state, kind ``training``), ``sampler_weights``
(weights a sampler can load, kind ``sampler``) or ``external_weights`` (HF/PEFT-format files,
kind ``external``). Run ids may contain colons (``sess-1:train:0``); the checkpoint id used in
REST paths is everything after the run id (``<segment>/<name>``).

Servers in the wild hand out other shapes too (``tinker://<run>/<name>`` for sampler weights,
names with more parts). A path a server returned must work when it is passed back, so parsing
refuses only what cannot be a tinker path (another scheme, no name, empty or ``.``/``..``
parts, control characters, surrounding whitespace); a path whose shape says nothing about its
kind has kind None and is left for the server to judge. When the shape does name a kind, a
call that needs another one fails before anything is sent, with a message that says what to
do instead (sampling from a training state being the classic mistake).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Final, Literal, get_args
from urllib.parse import quote, urlencode

from tinkex.domain.text_checks import require_text
from tinkex.errors import ValidationError

if TYPE_CHECKING:
    from collections.abc import Collection

__all__ = [
    "CONSOLE_BASE_URL",
    "TINKER_SCHEME",
    "CheckpointKind",
    "CheckpointPath",
    "CheckpointSegment",
    "api_key_console_url",
    "checkpoint_console_url",
    "checkpoint_playground_url",
    "new_api_key_console_url",
    "parse_checkpoint_id",
    "parse_tinker_path",
    "require_kind",
    "session_console_url",
    "training_run_console_url",
]

TINKER_SCHEME: Final = "tinker://"
_DOT_PARTS: Final = frozenset({".", ".."})
CONSOLE_BASE_URL: Final = "https://tinker.thinkingmachines.ai"

CheckpointSegment = Literal["weights", "sampler_weights", "external_weights"]
CheckpointKind = Literal["training", "sampler", "external"]

_SEGMENTS: Final[tuple[CheckpointSegment, ...]] = get_args(CheckpointSegment)
_KIND_OF: Final[dict[CheckpointSegment, CheckpointKind]] = {
    "weights": "training",
    "sampler_weights": "sampler",
    "external_weights": "external",
}

# What to do when a path of kind `got` is given where kind `wanted` is needed.
_ADVICE: Final[dict[CheckpointKind, str]] = {
    "sampler": (
        "sampling needs sampler weights: call save_weights_for_sampler() (or "
        "save_weights_and_get_sampling_client()) and pass the sampler_weights/ path it returns"
    ),
    "training": (
        "loading a training state needs a weights/ path: call save_state() and pass the path "
        "it returns"
    ),
    "external": (
        "exported files need an external_weights/ path: call save_weights_external() and pass "
        "the path it returns"
    ),
}


@dataclass(frozen=True, slots=True)
class CheckpointPath:
    """A parsed ``tinker://`` checkpoint path.

    Attributes:
        training_run_id: The training run (model) id, e.g. ``sess-1:train:0``.
        segment: ``weights``, ``sampler_weights`` or ``external_weights``; None when the path
            has another shape (``tinker://<run>/<name>``...), whose kind only the server knows.
        name: The checkpoint's name within its segment (with no segment: everything after
            the run id).
    """

    training_run_id: str
    segment: CheckpointSegment | None
    name: str

    @property
    def kind(self) -> CheckpointKind | None:
        """The checkpoint type (``training``, ``sampler``, ``external``); None if unknown."""
        return None if self.segment is None else _KIND_OF[self.segment]

    @property
    def checkpoint_id(self) -> str:
        """The id used verbatim in REST paths: everything after the run id."""
        return self.name if self.segment is None else f"{self.segment}/{self.name}"

    @property
    def tinker_path(self) -> str:
        """The full ``tinker://`` form, exactly as it was parsed."""
        return f"{TINKER_SCHEME}{self.training_run_id}/{self.checkpoint_id}"

    def __str__(self) -> str:
        return self.tinker_path


def parse_tinker_path(path: str, *, field: str = "path") -> CheckpointPath:
    """Parse a ``tinker://`` checkpoint path, of the official shape or another server's.

    Args:
        path: The path to parse.
        field: Argument name reported in the error.

    Returns:
        The parsed path; its ``tinker_path`` is `path` itself.

    Raises:
        ValidationError: `path` cannot be a tinker path: another scheme, surrounding
            whitespace, control characters, no name after the run id, or an empty, ``.`` or
            ``..`` part.
    """
    require_text(path, field, allow_empty=True)
    text: object = path  # untyped callers: check at runtime
    if not isinstance(text, str) or not text.startswith(TINKER_SCHEME):
        raise ValidationError(
            f"{path!r} is not a tinker path; expected tinker://<training_run_id>/<segment>/<name>",
            field=field,
        )
    if text != text.strip():
        raise ValidationError(f"remove the surrounding whitespace from {path!r}", field=field)
    run_id, _, rest = text[len(TINKER_SCHEME) :].partition("/")
    _check_parts(text, [run_id], field, what="training run id")
    if not rest:
        raise ValidationError(
            f"{path!r} names no checkpoint after the training run id; expected "
            "tinker://<training_run_id>/<segment>/<name>",
            field=field,
        )
    return CheckpointPath(run_id, *_split_checkpoint_id(rest, text, field))


def parse_checkpoint_id(
    training_run_id: str, checkpoint_id: str, *, field: str = "checkpoint_id"
) -> CheckpointPath:
    """Build a path from a run id and a REST checkpoint id such as ``sampler_weights/final``.

    Args:
        training_run_id: The training run id.
        checkpoint_id: ``<segment>/<name>``, or the id of another shape a server handed out.
        field: Argument name reported in the error.

    Returns:
        The checkpoint path.

    Raises:
        ValidationError: The run id is empty or holds a ``/``; the checkpoint id is empty or
            has an empty, ``.`` or ``..`` part or a control character.
    """
    require_text(training_run_id, "training_run_id", allow_empty=True)
    require_text(checkpoint_id, field, allow_empty=True)
    if not training_run_id or "/" in training_run_id or training_run_id in _DOT_PARTS:
        raise ValidationError(
            f"training run id {training_run_id!r} must be non-empty and contain no '/'",
            field="training_run_id",
        )
    _check_parts(training_run_id, [training_run_id], "training_run_id", what="training run id")
    if not checkpoint_id:
        raise ValidationError("the checkpoint id is empty; expected <segment>/<name>", field=field)
    return CheckpointPath(
        training_run_id, *_split_checkpoint_id(checkpoint_id, checkpoint_id, field)
    )


def require_kind(
    path: str | CheckpointPath,
    kinds: Collection[CheckpointKind],
    *,
    field: str = "path",
) -> CheckpointPath:
    """Parse `path` (if needed) and check that its kind is one of `kinds`.

    A path whose shape names no kind (a server's ``tinker://<run>/<name>``) passes: the server
    it came from judges it.

    Args:
        path: A ``tinker://`` string or an already parsed path.
        kinds: The acceptable checkpoint kinds.
        field: Argument name reported in the error.

    Returns:
        The parsed path.

    Raises:
        ValidationError: The path is malformed or of another kind; the message says which call
            produces a path of the right kind.
    """
    parsed = path if isinstance(path, CheckpointPath) else parse_tinker_path(path, field=field)
    if parsed.kind is None or parsed.kind in kinds:
        return parsed
    wanted = sorted(kinds)
    advice = "; ".join(_ADVICE[kind] for kind in wanted)
    raise ValidationError(
        f"{parsed.tinker_path} is a {parsed.kind} checkpoint ({parsed.segment}/), but this call "
        f"needs {' or '.join(wanted)}; {advice}",
        field=field,
    )


def _split_checkpoint_id(
    checkpoint_id: str, whole: str, field: str
) -> tuple[CheckpointSegment | None, str]:
    """``<segment>/<name>`` when the first part is a known segment, else no segment."""
    parts = checkpoint_id.split("/")
    _check_parts(whole, parts, field, what="part")
    if len(parts) == 1 and parts[0] in _SEGMENTS:
        # A segment alone is a path cut short, not a checkpoint some server named "weights".
        raise ValidationError(
            f"{whole!r} names the segment {parts[0]}/ but no checkpoint; expected "
            f"{parts[0]}/<name>",
            field=field,
        )
    if len(parts) >= 2:
        for known in _SEGMENTS:
            if parts[0] == known:
                return known, "/".join(parts[1:])
    return None, checkpoint_id


def _check_parts(whole: str, parts: list[str], field: str, *, what: str) -> None:
    for part in parts:
        if part in ("", ".", ".."):
            raise ValidationError(f"{whole!r} has an empty, '.' or '..' {what}", field=field)
        if any(ord(ch) < 0x20 or ord(ch) == 0x7F for ch in part):
            raise ValidationError(f"{whole!r} contains a control character", field=field)


def session_console_url(session_id: str | None = None, *, base_url: str = CONSOLE_BASE_URL) -> str:
    """Console page of one session, or the sessions list when `session_id` is None."""
    return f"{base_url}/sessions/{session_id}" if session_id else f"{base_url}/sessions"


def training_run_console_url(training_run_id: str, *, base_url: str = CONSOLE_BASE_URL) -> str:
    """Console page of a training run."""
    return f"{base_url}/training_runs/{training_run_id}"


def checkpoint_console_url(path: CheckpointPath, *, base_url: str = CONSOLE_BASE_URL) -> str:
    """Console page of a checkpoint (run id and checkpoint id are URL-quoted)."""
    return f"{base_url}/checkpoints/{quote(path.training_run_id, safe='')}/" + quote(
        path.checkpoint_id, safe=""
    )


def checkpoint_playground_url(path: CheckpointPath, *, base_url: str = CONSOLE_BASE_URL) -> str:
    """Playground page that samples from a checkpoint."""
    return f"{base_url}/playground?mode=checkpoint&checkpoint={quote(path.tinker_path, safe='')}"


def api_key_console_url(key_id: str, *, base_url: str = CONSOLE_BASE_URL) -> str:
    """Console page of one API key."""
    return f"{base_url}/keys/{quote(key_id, safe='')}"


def new_api_key_console_url(key_name: str, *, base_url: str = CONSOLE_BASE_URL) -> str:
    """The API keys page with the new-key dialog open and `key_name` filled in."""
    return f"{base_url}/keys?{urlencode({'new_key': 'true', 'key_name': key_name})}"
