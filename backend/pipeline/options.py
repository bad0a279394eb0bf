"""The one definition of a job option.

`JobOptions` is the single source: the API's request schema (`JobOptionsIn`, every field
optional), the settings response, the server defaults (`server_defaults`), the `process` CLI's
flags (`add_cli_flags`) and, through the OpenAPI document, the dashboard's types and bounds are
all derived from its fields. Adding an option is one field here (plus the code that uses it).

A render option (CONTRACTS §9) is a field marked `json_schema_extra=RENDER_OPTION`: the marker
also makes it a field of what the renderer receives (`ShortSpec`), a re-render request field
(`ClipRender`), a field of a clip's `render_options` (`RenderOptionsOut`) and, through the
OpenAPI document (`x-render`), one of the dashboard's render keys.
"""

from __future__ import annotations

import argparse
import re
import types
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Literal, Self, Union, get_args, get_origin

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, create_model, field_validator
from pydantic import model_validator as _model_validator
from pydantic.fields import FieldInfo

CRITERIA_NAME = r"^[a-z0-9_]{1,64}$"
LANGUAGE = r"^(auto|[a-z]{2,3}(-[A-Za-z]{2,4})?)$"
# Used when the user has not picked criteria: the four that suit most talks.
DEFAULT_CRITERIA = ("viral_hooks", "emotional_peaks", "storytelling", "educational_value")
# Options whose default is a server setting: option name -> Config attribute.
CONFIG_DEFAULTS = {
    "whisper_model": "whisper_model",
    "min_clip_duration": "default_min_clip_duration",
    "max_clip_duration": "default_max_clip_duration",
    "max_clips": "default_max_clips",
    "min_score": "default_min_score",
}


# The `process` flag of an option whose flag is not `--<name-with-dashes>` (CONTRACTS §8), and
# its metavar-like help. Kept out of the fields so the API's schema carries no CLI details.
CLI_FLAGS = {
    "use_source_captions": "--source-captions",
    "criteria": "--criteria",
    "min_clip_duration": "--min-duration",
    "max_clip_duration": "--max-duration",
}
CLI_HELP = {"criteria": "a,b,c", "loudness_target": "LUFS, or off"}
# Options where an explicit null is a value ("off"), not "not given".
NULLABLE = frozenset({"loudness_target", "publish"})
# Options of the server only: the `process` CLI has no linked channel to publish to.
SERVER_ONLY = frozenset({"publish"})
# Validation context of options read back from a job row: a publish_at that was in the future when
# the job was created is still that job's schedule, not an error.
STORED = "stored"
PrivacyStatus = Literal["private", "unlisted", "public"]
# YouTube's Shorts limit: a vertical or square clip may be at most this long (CONTRACTS §9).
SHORTS_MAX_SECONDS = 180.0
OFF = "off"
# The marker of a render option, kept in the OpenAPI document so the dashboard finds the same set.
RENDER_MARK = "x-render"
RENDER_OPTION: dict[str, Any] = {RENDER_MARK: True}


def future_utc(value: datetime | None) -> datetime | None:
    """A publish_at: an aware time in the future, as UTC (the publish endpoint's rule too)."""
    if value is None:
        return None
    if value.tzinfo is None:
        raise ValueError("must carry a time zone (UTC: a trailing Z)")
    if value <= datetime.now(UTC):
        raise ValueError("must be in the future")
    return value.astimezone(UTC)


def scheduled_is_private(privacy_status: str, publish_at: datetime | None) -> None:
    # YouTube's rule: a scheduled video stays private until publishAt, then goes public.
    if publish_at is not None and privacy_status != "private":
        raise ValueError("publish_at requires privacy_status 'private'")


class PublishOption(BaseModel):
    """The job option `publish`: after rendering, the best `top` clips go to the linked channel."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    privacy_status: PrivacyStatus
    publish_at: datetime | None = Field(None, description="a future time: schedules the video (private only)")
    top: int = Field(ge=1, le=50, description="how many of the best clips to publish")

    @field_validator("publish_at")
    @classmethod
    def _future(cls, value: datetime | None, info: ValidationInfo) -> datetime | None:
        if value is not None and info.context and info.context.get(STORED):
            return value.astimezone(UTC)
        return future_utc(value)

    @_model_validator(mode="after")
    def _scheduling(self) -> Self:
        scheduled_is_private(self.privacy_status, self.publish_at)
        return self


class _OptionRules(BaseModel):
    """Rules shared by the full options and the partial request model."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    @field_validator("criteria", check_fields=False)
    @classmethod
    def _criteria_names(cls, value: Any) -> Any:
        if value is None:
            return None
        for name in value:
            if not re.match(CRITERIA_NAME, name):
                raise ValueError(f"{name!r} is not a criteria name")
        return tuple(dict.fromkeys(value))

    @_model_validator(mode="after")
    def _duration_bounds(self) -> Self:
        low, high = getattr(self, "min_clip_duration", None), getattr(self, "max_clip_duration", None)
        if low is not None and high is not None and low > high:
            raise ValueError("min_clip_duration must not exceed max_clip_duration")
        fmt, resolution = getattr(self, "format", None), getattr(self, "resolution", None)
        if fmt in ("vertical", "square") and high is not None and high > SHORTS_MAX_SECONDS:
            raise ValueError(
                f"max_clip_duration: a {fmt} clip is a YouTube Short, at most {SHORTS_MAX_SECONDS:.0f} s"
            )
        if resolution == "original" and fmt is not None and fmt != "original":
            raise ValueError("resolution: original is only for format original")
        return self


class JobOptions(_OptionRules):
    """Fully resolved options (request > user settings > server config)."""

    model_config = ConfigDict(frozen=True)

    language: str = Field("auto", max_length=12, pattern=LANGUAGE, description='"auto" or an ISO 639 code')
    whisper_model: str | None = Field(
        None, min_length=1, max_length=200, description="one of the server's WHISPER_MODELS"
    )
    use_source_captions: bool = Field(
        True, description="use the source's own captions instead of transcribing"
    )
    criteria: tuple[str, ...] = Field((), max_length=20, description="criteria names")
    prompt: str = Field("", max_length=2000, description="free-text steering, e.g. 'moments about pricing'")
    min_clip_duration: float = Field(20.0, ge=3, le=600, description="seconds")
    max_clip_duration: float = Field(60.0, ge=3, le=600, description="seconds")
    max_clips: int = Field(5, ge=1, le=50)
    min_score: float = Field(0.0, ge=0, le=1)
    # Shorts rendering (CONTRACTS §9).
    format: Literal["vertical", "square", "original"] = Field(
        "vertical",
        description="vertical (9:16), square (1:1) or original (the source's aspect)",
        json_schema_extra=RENDER_OPTION,
    )
    resolution: Literal["1080p", "720p", "original"] | None = Field(
        None,
        description="1080p, 720p or original (format original only); unset: 1080p, original for original",
        json_schema_extra=RENDER_OPTION,
    )
    layout: Literal["auto", "crop", "fit", "split"] = Field(
        "auto",
        description="auto (per shot: one face crop, two split, none fit), crop, fit or split",
        json_schema_extra=RENDER_OPTION,
    )
    caption_style: Literal["none", "highlight", "bold", "clean"] = Field(
        "highlight",
        description="burned captions: none, highlight, bold or clean",
        json_schema_extra=RENDER_OPTION,
    )
    hook_title: bool = Field(
        True, description="the clip's title over its first ~3 s", json_schema_extra=RENDER_OPTION
    )
    loudness_target: float | None = Field(
        -14.0,
        ge=-40,
        le=-5,
        description="integrated LUFS; null leaves the audio as it is",
        json_schema_extra=RENDER_OPTION,
    )
    # YouTube (CONTRACTS §10, §12): once the clips are rendered the job completes and its best
    # clips are published as child publication items (Job.publications).
    publish: PublishOption | None = Field(
        None, description="publish the best clips to the linked YouTube channel; null: do not publish"
    )

    @_model_validator(mode="before")
    @classmethod
    def _resolution_follows_format(cls, data: Any) -> Any:
        if isinstance(data, dict) and data.get("resolution") is None:
            data = {**data, "resolution": "original" if data.get("format") == "original" else "1080p"}
        return data

    @property
    def output_resolution(self) -> str:
        """The resolution actually rendered (unset follows the format)."""
        return self.resolution or ("original" if self.format == "original" else "1080p")


def _is_render_option(field: FieldInfo) -> bool:
    extra = field.json_schema_extra
    return isinstance(extra, dict) and extra.get(RENDER_MARK) is True


# The render options, in field order: what a clip is rendered with (CONTRACTS §9).
RENDER_OPTIONS: tuple[str, ...] = tuple(
    name for name, field in JobOptions.model_fields.items() if _is_render_option(field)
)


def render_values(options: JobOptions) -> dict[str, Any]:
    """The render options of resolved job options, as stored on a clip (JSON values)."""
    return options.model_dump(mode="json", include=set(RENDER_OPTIONS))


def optional_fields(names: Iterable[str]) -> dict[str, Any]:
    """`create_model` fields of these options for a request body: same type, constraints and
    description, each optional (None = not given)."""
    fields: dict[str, Any] = {}
    for name in names:
        info = JobOptions.model_fields[name]
        annotation: Any = info.annotation
        field = info._copy()  # same constraints and description, no default
        field.default = None
        fields[name] = (annotation | None, field)
    return fields


def resolved_fields(names: Iterable[str]) -> dict[str, Any]:
    """`create_model` fields of these options once resolved, for a response: each required, and
    null only where null is a value (`NULLABLE`; an unset resolution has followed the format)."""
    fields: dict[str, Any] = {}
    for name in names:
        info = JobOptions.model_fields[name]
        annotation = info.annotation if name in NULLABLE else _without_none(info.annotation)
        fields[name] = (annotation, Field(description=info.description))
    return fields


def _without_none(annotation: Any) -> Any:
    if get_origin(annotation) not in (Union, types.UnionType):
        return annotation
    kept = tuple(arg for arg in get_args(annotation) if arg is not type(None))
    return Union[kept] if len(kept) > 1 else kept[0]  # noqa: UP007 - a runtime-built union


if TYPE_CHECKING:
    JobOptionsIn = JobOptions
else:
    # The request/settings body: the same fields, each optional (None = not given).
    JobOptionsIn = create_model(
        "JobOptionsIn",
        __base__=_OptionRules,
        __doc__="Every job option; all optional (defaults: the user's settings, then the server's).",
        **optional_fields(JobOptions.model_fields),
    )


def given(options: BaseModel | None) -> dict[str, Any]:
    """The options a request actually set (unset ones fall through to settings and config); an
    explicit null counts only where null is a value (`NULLABLE`)."""
    if options is None:
        return {}
    # JSON mode: the values are stored as they are (a publish_at as an ISO string).
    dumped = options.model_dump(mode="json", exclude_unset=True)
    return {k: v for k, v in dumped.items() if v is not None or k in NULLABLE}


def stored(raw: Mapping[str, Any] | None) -> JobOptions:
    """Options saved on a job row; a row from an older release may hold keys this one dropped."""
    known = set(JobOptions.model_fields)
    return JobOptions.model_validate(
        {k: v for k, v in (raw or {}).items() if k in known}, context={STORED: True}
    )


def server_defaults(config: Any, builtin_criteria: Iterable[str]) -> dict[str, Any]:
    """The server's defaults for every option: the field defaults, overlaid by config settings.

    The CLI and the server both resolve defaults here, so they can never disagree."""
    values = {name: f.default for name, f in JobOptions.model_fields.items()}
    values.update({name: getattr(config, attr) for name, attr in CONFIG_DEFAULTS.items()})
    known = set(builtin_criteria)
    values["criteria"] = [n for n in DEFAULT_CRITERIA if n in known] or sorted(known)[:4]
    return values


def resolve(*layers: Mapping[str, Any]) -> JobOptions:
    """Later layers win; the result is validated as a whole (e.g. min <= max)."""
    merged: dict[str, Any] = {}
    for layer in layers:
        merged.update({k: v for k, v in layer.items() if v is not None or k in NULLABLE})
    return JobOptions.model_validate(merged)


# --- the process CLI's flags ------------------------------------------------------------------


def add_cli_flags(parser: argparse.ArgumentParser) -> None:
    """One flag per option (defaults None: unset flags fall back to server_defaults)."""
    for name, f in JobOptions.model_fields.items():
        if name in SERVER_ONLY:
            continue  # publishing needs a user's linked channel, which only the server has
        flag = CLI_FLAGS.get(name, "--" + name.replace("_", "-"))
        help_text = CLI_HELP.get(name, f.description or "")
        kind = _scalar(f.annotation)
        if name in NULLABLE:
            parser.add_argument(flag, dest=name, type=_number_or_off, help=help_text)
        elif kind is bool:
            parser.add_argument(flag, dest=name, action=argparse.BooleanOptionalAction, help=help_text)
        elif kind is tuple:
            parser.add_argument(flag, dest=name, type=_csv, help=help_text)
        else:
            parser.add_argument(flag, dest=name, type=kind, choices=_choices(f.annotation), help=help_text)


def cli_values(args: argparse.Namespace) -> dict[str, Any]:
    values = {
        name: getattr(args, name)
        for name in JobOptions.model_fields
        if name not in SERVER_ONLY and getattr(args, name) is not None
    }
    return {name: None if value == OFF else value for name, value in values.items()}


def _number_or_off(value: str) -> float | str:
    if value.strip().lower() == OFF:
        return OFF
    try:
        return float(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number or {OFF!r}, got {value!r}") from None


def _scalar(annotation: Any) -> Any:
    text = str(annotation)
    for kind in (bool, int, float):
        if annotation is kind:
            return kind
    return tuple if text.startswith("tuple") else str


def _choices(annotation: Any) -> tuple[str, ...] | None:
    """The values of a Literal option (None | Literal[...] included), for the CLI's choices."""
    args = getattr(annotation, "__args__", ())
    for arg in (annotation, *args):
        if getattr(arg, "__origin__", None) is Literal:
            return tuple(arg.__args__)
    return None


def _csv(value: str) -> tuple[str, ...]:
    return tuple(part.strip() for part in value.split(",") if part.strip())
