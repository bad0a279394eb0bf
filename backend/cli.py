"""`python -m backend process <source> [...]`: the pipeline without the server (CONTRACTS §8).

Progress goes to stderr (a rich bar per stage on a terminal, plain lines otherwise) so that
`--json` output on stdout stays machine-readable. Failures end with one `error: ...` line and a
non-zero exit code.
"""

from __future__ import annotations

import argparse
import json
import signal
import sys
import threading
import uuid
from datetime import UTC, datetime
from pathlib import Path
from types import FrameType
from typing import IO, Any

from pydantic import ValidationError

from backend import __version__
from backend.config import Config
from backend.pipeline import options as job_options
from backend.pipeline.cancel import CancelToken
from backend.pipeline.context import JobContext
from backend.pipeline.criteria import CriterionText, load_builtin_criteria
from backend.pipeline.errors import PipelineError
from backend.pipeline.files import atomic_write_json
from backend.pipeline.layout import CLIPS_JSON
from backend.pipeline.processor import VideoProcessor
from backend.pipeline.result import PipelineResult, RenderedClip
from backend.pipeline.shorts.detector import detector_name
from backend.pipeline.sources import Source, SourceRejected, normalize_source_url
from backend.pipeline.stages import LABELS
from backend.schemas.clips import clip_payload

EXIT_FAILED, EXIT_USAGE, EXIT_CANCELLED = 1, 2, 130
CAPTION_SUFFIXES = (".vtt", ".srt", ".en.vtt", ".en.srt")


class UsageError(Exception):
    pass


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m backend process", description="Cut clips from one video.")
    p.add_argument("source", help="YouTube URL, http(s) URL (host in ALLOWED_SOURCE_HOSTS) or a local file")
    p.add_argument("--out", default="out", help="output folder (default: ./out)")
    job_options.add_cli_flags(p)
    p.add_argument("--captions", help="captions file (SRT/VTT) for a local video")
    p.add_argument("--force", action="store_true", help="ignore results of a previous run in --out")
    p.add_argument("--json", action="store_true", help="print clips.json to stdout")
    return p


def process_command(argv: list[str], config: Config | None = None) -> int:
    try:
        args = build_parser().parse_args(argv)
    except SystemExit as exc:
        return int(exc.code or 0)
    config = config or Config.from_env()
    try:
        ctx = build_context(args, config)
    except (UsageError, SourceRejected) as exc:
        return _fail(str(exc), EXIT_USAGE)
    # The first line says what reframes the clips (a fallback detector must never be silent).
    sys.stderr.write(f"Viral Clipper {__version__} - face detector: {detector_name()}\n")
    restore = _cancel_on_sigint(ctx.cancel)
    try:
        result = VideoProcessor(config).run(ctx)
    except PipelineError as exc:
        code = EXIT_CANCELLED if ctx.cancel.cancelled else EXIT_FAILED
        return _fail(str(exc), code)
    finally:
        restore()
        _close(ctx.reporter)
    clips = clips_json(result, ctx.job_id)
    atomic_write_json(ctx.job_dir / CLIPS_JSON, clips)
    if args.json:
        sys.stdout.write(json.dumps(clips, indent=2, ensure_ascii=False) + "\n")
    else:
        sys.stderr.write(f"{len(clips)} clips written to {ctx.job_dir}/ (clips.json)\n")
    return 0


def build_context(args: argparse.Namespace, config: Config) -> JobContext:
    try:
        options = job_options.resolve(_default_options(config), job_options.cli_values(args))
    except ValidationError as exc:
        raise UsageError(_first_error(exc)) from None
    return JobContext(
        job_id=str(uuid.uuid4()),
        job_dir=Path(args.out),
        source=_source(args.source, args.captions, config),
        options=options,
        config=config,
        reporter=make_reporter(sys.stderr),
        criteria=_criteria(options.criteria, config),
        force=args.force,
    )


def _default_options(config: Config) -> dict[str, Any]:
    return job_options.server_defaults(config, (c.name for c in load_builtin_criteria(config.criteria_dir)))


def _first_error(exc: ValidationError) -> str:
    error = exc.errors(include_context=False)[0]
    where = ".".join(str(part) for part in error.get("loc", ()))
    message = str(error.get("msg", "invalid value")).removeprefix("Value error, ")
    if not where:
        field, _, rest = message.partition(": ")
        if field in job_options.JobOptions.model_fields:
            where, message = field, rest
    flag = job_options.CLI_FLAGS.get(where, "--" + where.replace("_", "-"))
    return f"{flag}: {message}" if where else message


def _criteria(names: tuple[str, ...], config: Config) -> list[CriterionText]:
    available = {c.name: c for c in load_builtin_criteria(config.criteria_dir)}
    unknown = [n for n in names if n not in available]
    if unknown:
        raise UsageError(f"Unknown criteria: {', '.join(unknown)} (available: {', '.join(available)})")
    return [available[n] for n in names]


def _source(value: str, captions: str | None, config: Config) -> Source:
    if value.startswith(("http://", "https://")) or "://" in value:
        url, kind = normalize_source_url(value, config)
        return Source(kind=kind, url=url)
    path = Path(value)
    if not path.is_file():
        raise UsageError(f"No such file: {value}")
    caption_path = Path(captions) if captions else _sibling_captions(path)
    if caption_path is not None and not caption_path.is_file():
        raise UsageError(f"No such captions file: {captions}")
    return Source(kind="file", path=path, captions_path=caption_path)


def _sibling_captions(video: Path) -> Path | None:
    """`talk.mp4` picks up `talk.vtt` / `talk.srt` / `talk.en.vtt` lying next to it."""
    for suffix in CAPTION_SUFFIXES:
        candidate = video.with_name(video.stem + suffix)
        if candidate.is_file():
            return candidate
    return None


def clips_json(result: PipelineResult, job_id: str) -> list[dict[str, Any]]:
    """`Clip` objects (CONTRACTS §4) with asset paths relative to --out."""
    now = datetime.now(UTC)
    return [_clip(c, job_id, now) for c in result.clips]


def _clip(c: RenderedClip, job_id: str, now: datetime) -> dict[str, Any]:
    fields = {**c.row_fields(), "id": str(uuid.uuid4()), "job_id": job_id, "created_at": now}
    assets = {
        "video_url": c.video_path,
        "thumbnail_url": c.thumbnail_path,
        "captions_vtt_url": c.vtt_path,
        "captions_srt_url": c.srt_path,
    }
    return clip_payload(fields, assets)


def _fail(message: str, code: int) -> int:
    one_line = " ".join(message.split())
    sys.stderr.write(f"error: {one_line}\n")
    return code


def _cancel_on_sigint(cancel: CancelToken) -> Any:
    """Ctrl-C cancels the job (killing ffmpeg) instead of leaving half-written files behind."""
    if threading.current_thread() is not threading.main_thread():
        return lambda: None

    def handler(_sig: int, _frame: FrameType | None) -> None:
        cancel.cancel()

    previous = signal.signal(signal.SIGINT, handler)
    return lambda: signal.signal(signal.SIGINT, previous)


# --- reporters -------------------------------------------------------------------------------


class PlainReporter:
    """One line per stage event and per 10 % of progress (for logs and pipes)."""

    def __init__(self, stream: IO[str]) -> None:
        self.stream = stream
        self.lock = threading.Lock()
        self.last: dict[str, int] = {}

    def _line(self, text: str) -> None:
        with self.lock:
            self.stream.write(text + "\n")
            self.stream.flush()

    def stage_started(self, stage: str) -> None:
        self._line(f"[{stage}] started")

    def progress(self, stage: str, fraction: float, message: str | None = None) -> None:
        step = int(min(max(fraction, 0.0), 1.0) * 10)
        if self.last.get(stage, -1) < step:
            self.last[stage] = step
            self._line(f"[{stage}] {step * 10:3d}% {message or ''}".rstrip())

    def stage_completed(self, stage: str, skipped: bool = False) -> None:
        self._line(f"[{stage}] {'skipped (already done)' if skipped else 'done'}")

    def warning(self, message: str) -> None:
        self._line(f"warning: {message}")

    def metadata(self, info: dict[str, Any]) -> None:
        if info.get("duration"):
            self._line(f"source: {info.get('title')} ({float(info['duration']):.0f} s)")


class RichReporter:
    """A progress bar per stage on a terminal."""

    def __init__(self, stream: IO[str]) -> None:
        from rich.console import Console
        from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

        self.console = Console(file=stream)
        self.bars = Progress(
            TextColumn("{task.fields[label]:<11}"),
            BarColumn(),
            TextColumn("{task.percentage:>3.0f}%"),
            TimeElapsedColumn(),
            TextColumn("{task.description}"),
            console=self.console,
        )
        self.tasks: dict[str, Any] = {}
        self.bars.start()

    def stage_started(self, stage: str) -> None:
        self.tasks[stage] = self.bars.add_task("", total=1.0, label=LABELS.get(stage, stage))

    def progress(self, stage: str, fraction: float, message: str | None = None) -> None:
        if stage in self.tasks:
            self.bars.update(
                self.tasks[stage], completed=min(max(fraction, 0.0), 1.0), description=message or ""
            )

    def stage_completed(self, stage: str, skipped: bool = False) -> None:
        if stage in self.tasks:
            self.bars.update(self.tasks[stage], completed=1.0, description="skipped" if skipped else "done")

    def warning(self, message: str) -> None:
        self.console.print(f"[yellow]warning:[/] {message}")

    def metadata(self, info: dict[str, Any]) -> None:
        if info.get("duration"):
            self.console.print(f"[bold]{info.get('title')}[/] ({float(info['duration']):.0f} s)")

    def close(self) -> None:
        self.bars.stop()


def make_reporter(stream: IO[str]) -> PlainReporter | RichReporter:
    return RichReporter(stream) if stream.isatty() else PlainReporter(stream)


def _close(reporter: Any) -> None:
    close = getattr(reporter, "close", None)
    if close is not None:
        close()
