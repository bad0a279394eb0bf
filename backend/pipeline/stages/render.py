"""Stage 4: one ffmpeg encode per clip (a Short: reframed, captioned, loudness-normalised, see
`backend.pipeline.shorts`), a non-black thumbnail from the finished frames, and per-clip SRT/VTT.

`render_clip` works from plain `RenderInputs`, so a re-render of one clip (outside the pipeline)
runs exactly the code a job's render stage does.
"""

from __future__ import annotations

import shutil
import threading
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import cv2
import numpy as np

from backend.config import Config
from backend.pipeline import cuts, ffmpeg, files
from backend.pipeline.cancel import CancelToken
from backend.pipeline.captions import clip_cues, to_srt, to_vtt
from backend.pipeline.context import JobContext
from backend.pipeline.errors import RenderError
from backend.pipeline.ffmpeg import MediaInfo
from backend.pipeline.grounding import ClipCandidate
from backend.pipeline.layout import CLIPS_DIR
from backend.pipeline.result import RenderedClip
from backend.pipeline.shorts import detector
from backend.pipeline.shorts import render as shorts
from backend.pipeline.shorts.graph import Graph
from backend.pipeline.shorts.render import ShortSpec
from backend.pipeline.stages.base import PipelineState
from backend.pipeline.transcript import Transcript

THUMB_CANDIDATES = 5
MIN_LUMA, MIN_CONTRAST = 16.0, 6.0


def encode_args(
    source: Path,
    start: float,
    duration: float,
    out: Path,
    *,
    preset: str,
    crf: int,
    graph: Graph | None = None,
    thumbnails: str | None = None,
) -> list[str]:
    """ffmpeg arguments of one clip. `-ss` before `-i` seeks fast and, since we re-encode, exactly.

    With `thumbnails` (an image2 pattern from `ffmpeg.image_sequence`, e.g. `dir/%02d.jpg`) the
    same run also writes a few evenly spaced candidate frames from the frames it encodes anyway
    (after the graph: the finished Short, captions and all): a thumbnail then costs no second decode.
    """
    args = [
        "ffmpeg",
        "-nostdin",
        "-y",
        "-v",
        "error",
        "-ss",
        f"{start:.3f}",
        *ffmpeg.input_args(source),
        "-t",
        f"{duration:.3f}",
    ]
    rate = THUMB_CANDIDATES / max(duration, 0.1)
    thumbs = f"fps={rate:.6f},scale='min(1280,iw)':-2"
    video, thumb_map, thumb_filter = "0:v:0", "0:v:0", ["-vf", thumbs]
    if graph is not None:
        chain, video = graph.filter_complex, graph.video
        if thumbnails is not None:
            chain += f";{graph.video}split=2[vout][vthumb];[vthumb]{thumbs}[thumbs]"
            video, thumb_map, thumb_filter = "[vout]", "[thumbs]", []
        args += ["-filter_complex", chain]
    args += ["-map", video, "-map", graph.audio if graph is not None and graph.audio else "0:a:0"]
    args += [
        "-c:v",
        "libx264",
        "-preset",
        preset,
        "-crf",
        str(crf),
        "-pix_fmt",
        "yuv420p",
        "-c:a",
        "aac",
        "-b:a",
        "128k",
        "-ar",
        "48000",
        "-movflags",
        "+faststart",
        str(out),
    ]
    if thumbnails is not None:
        frames = str(THUMB_CANDIDATES)
        args += [
            "-map",
            thumb_map,
            "-t",
            f"{duration:.3f}",
            *thumb_filter,
            "-frames:v",
            frames,
            "-q:v",
            "3",
            "-f",
            "image2",
            thumbnails,
        ]
    return args


@dataclass(frozen=True)
class RenderInputs:
    """What rendering a clip needs, as plain data: the job's render stage and a re-render (which
    runs outside the pipeline, from the job's files) both build one."""

    job_dir: Path
    media_path: Path
    media: MediaInfo
    transcript: Transcript
    spec: ShortSpec
    min_duration: float
    max_duration: float
    config: Config
    cancel: CancelToken


class RenderStage:
    name = "rendering"

    def run(self, ctx: JobContext, state: PipelineState) -> dict[str, Any]:
        if not state.candidates:
            raise RenderError("There are no clips to render")
        (ctx.job_dir / CLIPS_DIR).mkdir(parents=True, exist_ok=True)
        done, lock = [0], threading.Lock()
        total = len(state.candidates)
        inputs = self.inputs(ctx, state)

        def one(item: tuple[int, ClipCandidate]) -> RenderedClip:
            rendered = render_clip(inputs, item[1], item[0], f"clip_{item[0]:02d}")
            with lock:
                done[0] += 1
                ctx.reporter.progress(self.name, done[0] / total, f"Rendered clip {done[0]} of {total}")
            return rendered

        with ThreadPoolExecutor(max_workers=max(1, ctx.config.render_concurrency)) as pool:
            state.clips = list(pool.map(one, enumerate(state.candidates, 1)))
        report_cut_shifts(ctx, state.clips)
        return {"clips": [c.to_dict() for c in state.clips]}

    @staticmethod
    def inputs(ctx: JobContext, state: PipelineState) -> RenderInputs:
        assert state.media_path is not None and state.transcript is not None
        media = state.media or ffmpeg.probe_media(state.media_path, cancel=ctx.cancel)
        return RenderInputs(
            job_dir=ctx.job_dir,
            media_path=state.media_path,
            media=media,
            transcript=state.transcript,
            spec=ShortSpec.of(ctx.options),
            min_duration=ctx.options.min_clip_duration,
            max_duration=ctx.options.max_clip_duration,
            config=ctx.config,
            cancel=ctx.cancel,
        )

    def restore(self, ctx: JobContext, state: PipelineState, record: dict[str, Any]) -> bool:
        clips = [RenderedClip.from_dict(c) for c in record["clips"]]
        if not all(
            (ctx.job_dir / c.video_path).is_file() and (ctx.job_dir / c.thumbnail_path).is_file()
            for c in clips
        ):
            return False
        state.clips = clips
        return True


def render_clip(
    inputs: RenderInputs,
    clip: ClipCandidate,
    index: int,
    name: str,
    cut_shift: dict[str, float] | None = None,
) -> RenderedClip:
    """Render one clip to clips/<name>.mp4|.jpg|.srt|.vtt: its cuts moved into silence (unless
    `cut_shift` says they already were: a re-render snaps its own), then one encode. Each file is
    written under a temp name and renamed when complete."""
    clip, shift = land_in_silence(inputs, clip) if cut_shift is None else (clip, cut_shift)
    base = inputs.job_dir / CLIPS_DIR / name
    base.parent.mkdir(parents=True, exist_ok=True)
    video, thumb = base.with_suffix(".mp4"), base.with_suffix(".jpg")
    candidates = base.parent / f".{base.name}.thumbs"
    spec = inputs.spec
    prepared = None
    try:
        if not spec.is_plain:
            prepared = shorts.prepare(
                spec,
                source=inputs.media_path,
                source_size=(inputs.media.width, inputs.media.height),
                start=clip.start,
                end=clip.end,
                title=clip.title,
                transcript=inputs.transcript,
                subtitles_path=base.parent / f".{base.name}.ass",
                cancel=inputs.cancel,
                timeout=inputs.config.ffmpeg_timeout,
            )
        _encode(inputs, clip, video, prepared.graph if prepared else None, candidates)
        pick_thumbnail(sorted(candidates.glob("*.jpg")), thumb, prefer_faces=prepared is not None)
    finally:
        shutil.rmtree(candidates, ignore_errors=True)
        if prepared is not None and prepared.subtitles_path is not None:
            prepared.subtitles_path.unlink(missing_ok=True)
    cues = clip_cues(inputs.transcript, clip.start, clip.end)
    files.atomic_write_text(base.with_suffix(".srt"), to_srt(cues))
    files.atomic_write_text(base.with_suffix(".vtt"), to_vtt(cues))
    width, height = (
        (prepared.width, prepared.height) if prepared else (inputs.media.width, inputs.media.height)
    )
    return RenderedClip(
        index=index,
        title=clip.title,
        description=clip.description,
        start_time=clip.start,
        end_time=clip.end,
        duration=round(clip.end - clip.start, 3),
        score=clip.score,
        reasoning=clip.reasoning,
        key_quote=clip.key_quote,
        criteria_matched=list(clip.criteria_matched),
        tags=list(clip.tags),
        transcript_segment=clip.transcript_segment,
        video_path=f"{CLIPS_DIR}/{video.name}",
        thumbnail_path=f"{CLIPS_DIR}/{thumb.name}",
        srt_path=f"{CLIPS_DIR}/{base.name}.srt",
        vtt_path=f"{CLIPS_DIR}/{base.name}.vtt",
        width=width,
        height=height,
        file_size=video.stat().st_size,
        cut_shift=shift,
        format=spec.format,
        layout=prepared.layout if prepared else "fit",
        caption_style=spec.caption_style if prepared else "none",
        loudness=shorts.measured_loudness(video, inputs.cancel) if prepared else None,
        shots=prepared.shots() if prepared else None,
        render_options=spec.as_dict(),
    )


def _encode(
    inputs: RenderInputs, clip: ClipCandidate, out: Path, graph: Graph | None, thumbnails_dir: Path
) -> None:
    tmp = files.temp_path_for(out)
    thumbnails_dir.mkdir(parents=True, exist_ok=True)
    args = encode_args(
        inputs.media_path,
        clip.start,
        clip.end - clip.start,
        tmp,
        preset=inputs.config.render_preset,
        crf=inputs.config.render_crf,
        graph=graph,
        thumbnails=ffmpeg.image_sequence(thumbnails_dir, "%02d.jpg"),
    )
    try:
        ffmpeg.run(
            args,
            cancel=inputs.cancel,
            timeout=inputs.config.ffmpeg_timeout,
            error_cls=RenderError,
            what=f"Rendering {out.name}",
        )
        tmp.replace(out)
    finally:
        tmp.unlink(missing_ok=True)


def land_in_silence(inputs: RenderInputs, clip: ClipCandidate) -> tuple[ClipCandidate, dict[str, float]]:
    """The clip with its cuts moved into the pauses next to them, and how far each moved."""
    start, end = cuts.land_in_silence(
        inputs.media_path,
        clip.start,
        clip.end,
        min_d=inputs.min_duration,
        max_d=inputs.max_duration,
        media_end=inputs.media.duration,
        cancel=inputs.cancel,
        timeout=inputs.config.ffmpeg_timeout,
    )
    shift = {"start": round(start - clip.start, 3), "end": round(end - clip.end, 3)}
    return replace(clip, start=start, end=end), shift


def snap_requested(inputs: RenderInputs, clip: ClipCandidate) -> tuple[ClipCandidate, dict[str, float]]:
    """A re-render's requested range snapped into the pauses within ±1 s (CONTRACTS §9), and how
    far each end moved from the request."""
    start, end = cuts.snap_requested(
        inputs.media_path,
        inputs.transcript,
        clip.start,
        clip.end,
        min_d=inputs.min_duration,
        max_d=inputs.max_duration,
        media_end=inputs.media.duration,
        cancel=inputs.cancel,
        timeout=inputs.config.ffmpeg_timeout,
    )
    shift = {"start": round(start - clip.start, 3), "end": round(end - clip.end, 3)}
    return replace(clip, start=start, end=end), shift


def report_cut_shifts(ctx: JobContext, clips: list[RenderedClip]) -> None:
    """One event listing the cuts that moved into a pause (none when every cut was already in one)."""
    moved = [
        f"clip {c.index} start {c.cut_shift['start']:+.2f} s, end {c.cut_shift['end']:+.2f} s"
        for c in clips
        if c.cut_shift and (c.cut_shift["start"] or c.cut_shift["end"])
    ]
    if moved:
        ctx.reporter.warning("Cuts moved into the nearest pause: " + "; ".join(moved))


def pick_thumbnail(frames: list[Path], out: Path, *, prefer_faces: bool = False) -> None:
    """Candidate frames written by the encode, tried from the middle outwards: the first that is
    neither black nor blank (with `prefer_faces`, the first such frame showing a face)."""
    middle = (len(frames) - 1) / 2
    ordered = [frames[i].read_bytes() for i in sorted(range(len(frames)), key=lambda i: abs(i - middle))]
    usable = [jpeg for jpeg in ordered if _is_usable(jpeg)]
    if prefer_faces and usable:
        with_face = next((jpeg for jpeg in usable if _has_face(jpeg)), None)
        if with_face is not None:
            files.atomic_write_bytes(out, with_face)
            return
    _write_best(usable or ordered, out)


def _is_usable(jpeg: bytes) -> bool:
    luma, contrast = _frame_stats(jpeg)
    return luma >= MIN_LUMA and contrast >= MIN_CONTRAST


def _has_face(jpeg: bytes) -> bool:
    image = cv2.imdecode(np.frombuffer(jpeg, dtype=np.uint8), cv2.IMREAD_COLOR)
    return image is not None and bool(detector.load_detector().detect(cv2.cvtColor(image, cv2.COLOR_BGR2RGB)))


def _write_best(jpegs: Iterable[bytes], out: Path) -> None:
    """The first frame that is neither black nor blank; else the most detailed one seen."""
    best: tuple[float, bytes] | None = None
    for jpeg in jpegs:
        luma, contrast = _frame_stats(jpeg)
        if luma >= MIN_LUMA and contrast >= MIN_CONTRAST:
            files.atomic_write_bytes(out, jpeg)
            return
        if best is None or contrast + luma / 10 > best[0]:
            best = (contrast + luma / 10, jpeg)
    if best is None:
        raise RenderError(f"No thumbnail frame could be extracted for {out.name}")
    files.atomic_write_bytes(out, best[1])


def _frame_stats(jpeg: bytes) -> tuple[float, float]:
    if not jpeg:
        return (0.0, 0.0)
    image = cv2.imdecode(np.frombuffer(jpeg, dtype=np.uint8), cv2.IMREAD_GRAYSCALE)
    if image is None:
        return (0.0, 0.0)
    return (float(image.mean()), float(image.std()))
