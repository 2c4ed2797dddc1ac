"""`tinker://` checkpoint paths and console URLs.

A checkpoint path is ``tinker://<training_run_id>/<segment>/<name>``. The segment says what the
checkpoint holds: ``weights`` (a training state, kind ``training``), ``sampler_weights`` (weights
a sampler can load, kind ``sampler``) or ``external_weights`` (HF/PEFT-format files, kind
``external``). Run ids may contain colons (``sess-1:train:0``); the checkpoint id used in REST
paths is ``<segment>/<name>``.

Parsing is strict so that a wrong path fails before anything is sent, with a message that says
what to do instead (sampling from a training state being the classic mistake).
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
    """A parsed ``tinker://<training_run_id>/<segment>/<name>`` path.

    Attributes:
        training_run_id: The training run (model) id, e.g. ``sess-1:train:0``.
        segment: ``weights``, ``sampler_weights`` or ``external_weights``.
        name: The checkpoint's name within its segment.
    """

    training_run_id: str
    segment: CheckpointSegment
    name: str

    @property
    def kind(self) -> CheckpointKind:
        """The checkpoint type the server reports: ``training``, ``sampler`` or ``external``."""
        return _KIND_OF[self.segment]

    @property
    def checkpoint_id(self) -> str:
        """The id used verbatim in REST paths: ``<segment>/<name>``."""
        return f"{self.segment}/{self.name}"

    @property
    def tinker_path(self) -> str:
        """The full ``tinker://`` form."""
        return f"{TINKER_SCHEME}{self.training_run_id}/{self.segment}/{self.name}"

    def __str__(self) -> str:
        return self.tinker_path


def parse_tinker_path(path: str, *, field: str = "path") -> CheckpointPath:
    """Parse a ``tinker://<run>/<segment>/<name>`` checkpoint path.

    Args:
        path: The path to parse.
        field: Argument name reported in the error.

    Returns:
        The parsed path.

    Raises:
        ValidationError: Not a string, or the scheme, the number of parts, an empty, ``.`` or
            ``..`` part, or the segment is wrong.
    """
    require_text(path, field, allow_empty=True)
    if path != path.strip():
        raise ValidationError(f"remove the surrounding whitespace from {path!r}", field=field)
    if not path.startswith(TINKER_SCHEME):
        raise ValidationError(
            f"{path!r} is not a tinker path; expected tinker://<training_run_id>/<segment>/<name>",
            field=field,
        )
    parts = path[len(TINKER_SCHEME) :].split("/")
    if len(parts) != 3:
        raise ValidationError(
            f"{path!r} has {len(parts)} '/'-separated parts after tinker://, expected 3: "
            "<training_run_id>/<segment>/<name>",
            field=field,
        )
    run_id, segment, name = parts
    if not run_id or not name:
        raise ValidationError(f"{path!r} has an empty training run id or name", field=field)
    if _DOT_PARTS.intersection((run_id, name)) or "\x00" in path:
        raise ValidationError(
            f"{path!r} has a '.' or '..' part or a NUL character; name a checkpoint", field=field
        )
    return CheckpointPath(run_id, _parse_segment(segment, path, field), name)


def parse_checkpoint_id(
    training_run_id: str, checkpoint_id: str, *, field: str = "checkpoint_id"
) -> CheckpointPath:
    """Build a path from a run id and a REST checkpoint id such as ``sampler_weights/final``.

    Args:
        training_run_id: The training run id.
        checkpoint_id: ``<segment>/<name>``.
        field: Argument name reported in the error.

    Returns:
        The checkpoint path.

    Raises:
        ValidationError: The checkpoint id is not ``<segment>/<name>`` or the run id is empty;
            either is not a string, or a part is ``.`` or ``..``.
    """
    require_text(training_run_id, "training_run_id", allow_empty=True)
    require_text(checkpoint_id, field, allow_empty=True)
    if not training_run_id or "/" in training_run_id or training_run_id in _DOT_PARTS:
        raise ValidationError(
            f"training run id {training_run_id!r} must be non-empty and contain no '/'",
            field="training_run_id",
        )
    segment, sep, name = checkpoint_id.partition("/")
    if not sep or not name or "/" in name or name in _DOT_PARTS:
        raise ValidationError(
            f"{checkpoint_id!r} is not a checkpoint id; expected <segment>/<name>", field=field
        )
    return CheckpointPath(training_run_id, _parse_segment(segment, checkpoint_id, field), name)


def require_kind(
    path: str | CheckpointPath,
    kinds: Collection[CheckpointKind],
    *,
    field: str = "path",
) -> CheckpointPath:
    """Parse `path` (if needed) and check that its kind is one of `kinds`.

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
    if parsed.kind in kinds:
        return parsed
    wanted = sorted(kinds)
    advice = "; ".join(_ADVICE[kind] for kind in wanted)
    raise ValidationError(
        f"{parsed.tinker_path} is a {parsed.kind} checkpoint ({parsed.segment}/), but this call "
        f"needs {' or '.join(wanted)}; {advice}",
        field=field,
    )


def _parse_segment(segment: str, whole: str, field: str) -> CheckpointSegment:
    for known in _SEGMENTS:
        if segment == known:
            return known
    raise ValidationError(
        f"{whole!r} has segment {segment!r}; expected one of {', '.join(_SEGMENTS)}", field=field
    )


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
