"""Stage 4: one ffmpeg encode per clip, a non-black thumbnail, and per-clip SRT/VTT.

The encode is built by `encode_args`; `build_filter_graph` returns None here (original aspect
ratio). A later issue (reframe, burned-in captions) overrides it to return a filter graph whose
video output is labelled `[v]`, and it runs inside the same single encode.
"""

from __future__ import annotations

import shutil
import threading
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from pathlib import Path
from typing import Any

import cv2
import numpy as np

from backend.pipeline import cuts, ffmpeg, files
from backend.pipeline.captions import clip_cues, to_srt, to_vtt
from backend.pipeline.context import JobContext
from backend.pipeline.errors import RenderError
from backend.pipeline.grounding import ClipCandidate
from backend.pipeline.layout import CLIPS_DIR
from backend.pipeline.result import RenderedClip
from backend.pipeline.stages.base import PipelineState

THUMB_FRACTIONS = (0.3, 0.5, 0.7, 0.15, 0.85)
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
    filter_graph: str | None = None,
    thumbnails: Path | None = None,
) -> list[str]:
    """ffmpeg arguments of one clip. `-ss` before `-i` seeks fast and, since we re-encode, exactly.

    With `thumbnails` (an image2 pattern such as `dir/%02d.jpg`) the same run also writes a few
    evenly spaced candidate frames from the frames it decodes anyway: a thumbnail then costs no
    second decode (this was most of the render stage's overhead over bare encodes).
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
    if filter_graph:
        args += ["-filter_complex", filter_graph, "-map", "[v]", "-map", "0:a:0"]
    else:
        args += ["-map", "0:v:0", "-map", "0:a:0"]
    args += [
        "-c:v", "libx264", "-preset", preset, "-crf", str(crf), "-pix_fmt", "yuv420p",
        "-c:a", "aac", "-b:a", "128k", "-movflags", "+faststart", str(out),
    ]  # fmt: skip
    if thumbnails is not None:
        rate = THUMB_CANDIDATES / max(duration, 0.1)
        args += [
            "-map", "0:v:0", "-t", f"{duration:.3f}", "-vf", f"fps={rate:.6f},scale='min(1280,iw)':-2",
            "-frames:v", str(THUMB_CANDIDATES), "-q:v", "3", "-f", "image2", str(thumbnails),
        ]  # fmt: skip
    return args


class RenderStage:
    name = "rendering"

    def build_filter_graph(self, ctx: JobContext, state: PipelineState, clip: ClipCandidate) -> str | None:
        """Hook for later issues (reframe/captions); None keeps the original frame."""
        return None

    def run(self, ctx: JobContext, state: PipelineState) -> dict[str, Any]:
        if not state.candidates:
            raise RenderError("There are no clips to render")
        (ctx.job_dir / CLIPS_DIR).mkdir(parents=True, exist_ok=True)
        done, lock = [0], threading.Lock()
        total = len(state.candidates)

        def one(item: tuple[int, ClipCandidate]) -> RenderedClip:
            rendered = self.render_clip(ctx, state, item[1], item[0])
            with lock:
                done[0] += 1
                ctx.reporter.progress(self.name, done[0] / total, f"Rendered clip {done[0]} of {total}")
            return rendered

        with ThreadPoolExecutor(max_workers=max(1, ctx.config.render_concurrency)) as pool:
            state.clips = list(pool.map(one, enumerate(state.candidates, 1)))
        report_cut_shifts(ctx, state.clips)
        return {"clips": [c.to_dict() for c in state.clips]}

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
        self, ctx: JobContext, state: PipelineState, clip: ClipCandidate, index: int
    ) -> RenderedClip:
        assert state.media_path is not None and state.transcript is not None
        clip, shift = land_in_silence(ctx, state, clip)
        base = ctx.job_dir / CLIPS_DIR / f"clip_{index:02d}"
        base.parent.mkdir(parents=True, exist_ok=True)
        video = base.with_suffix(".mp4")
        graph = self.build_filter_graph(ctx, state, clip)
        thumb = base.with_suffix(".jpg")
        candidates = base.parent / f".{base.name}.thumbs"
        try:
            self._encode(ctx, state.media_path, clip, video, graph, candidates if graph is None else None)
            if graph is None:
                pick_thumbnail(sorted(candidates.glob("*.jpg")), thumb)
            else:  # a filter graph's output is labelled [v]; take frames from the finished clip
                write_thumbnail(ctx, video, clip.duration, thumb)
        finally:
            shutil.rmtree(candidates, ignore_errors=True)
        cues = clip_cues(state.transcript, clip.start, clip.end)
        files.atomic_write_text(base.with_suffix(".srt"), to_srt(cues))
        files.atomic_write_text(base.with_suffix(".vtt"), to_vtt(cues))
        # Without a filter graph the frame size is the source's; skip one ffprobe per clip.
        info = state.media if graph is None and state.media else ffmpeg.probe_media(video, cancel=ctx.cancel)
        return RenderedClip(
            index=index, title=clip.title, description=clip.description,
            start_time=clip.start, end_time=clip.end, duration=round(clip.end - clip.start, 3),
            score=clip.score, reasoning=clip.reasoning, key_quote=clip.key_quote,
            criteria_matched=list(clip.criteria_matched), tags=list(clip.tags),
            transcript_segment=clip.transcript_segment,
            video_path=f"{CLIPS_DIR}/{video.name}", thumbnail_path=f"{CLIPS_DIR}/{thumb.name}",
            srt_path=f"{CLIPS_DIR}/{base.name}.srt", vtt_path=f"{CLIPS_DIR}/{base.name}.vtt",
            width=info.width, height=info.height, file_size=video.stat().st_size, cut_shift=shift,
        )  # fmt: skip

    def _encode(
        self,
        ctx: JobContext,
        source: Path,
        clip: ClipCandidate,
        out: Path,
        graph: str | None,
        thumbnails_dir: Path | None = None,
    ) -> None:
        tmp = files.temp_path_for(out)
        if thumbnails_dir is not None:
            thumbnails_dir.mkdir(parents=True, exist_ok=True)
        args = encode_args(
            source, clip.start, clip.end - clip.start, tmp,
            preset=ctx.config.render_preset, crf=ctx.config.render_crf, filter_graph=graph,
            thumbnails=thumbnails_dir / "%02d.jpg" if thumbnails_dir is not None else None,
        )  # fmt: skip
        try:
            ffmpeg.run(
                args,
                cancel=ctx.cancel,
                timeout=ctx.config.ffmpeg_timeout,
                error_cls=RenderError,
                what=f"Rendering {out.name}",
            )
            tmp.replace(out)
        finally:
            tmp.unlink(missing_ok=True)


def land_in_silence(
    ctx: JobContext, state: PipelineState, clip: ClipCandidate
) -> tuple[ClipCandidate, dict[str, float]]:
    """The clip with its cuts moved into the pauses next to them, and how far each moved."""
    assert state.media_path is not None
    start, end = cuts.land_in_silence(
        state.media_path, clip.start, clip.end,
        min_d=ctx.options.min_clip_duration, max_d=ctx.options.max_clip_duration,
        media_end=state.media.duration if state.media else 0.0,
        cancel=ctx.cancel, timeout=ctx.config.ffmpeg_timeout,
    )  # fmt: skip
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


def pick_thumbnail(frames: list[Path], out: Path) -> None:
    """Candidate frames written by the encode, tried from the middle outwards."""
    middle = (len(frames) - 1) / 2
    ordered = [frames[i] for i in sorted(range(len(frames)), key=lambda i: abs(i - middle))]
    _write_best((frame.read_bytes() for frame in ordered), out)


def write_thumbnail(ctx: JobContext, video: Path, duration: float, out: Path) -> None:
    """Frames grabbed from the finished clip at a few points (used when a filter graph is set)."""
    _write_best((_frame_jpeg(ctx, video, duration * f) for f in THUMB_FRACTIONS), out)


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


def _frame_jpeg(ctx: JobContext, video: Path, at: float) -> bytes:
    args = [
        "ffmpeg", "-nostdin", "-v", "error", "-ss", f"{at:.3f}", *ffmpeg.input_args(video), "-frames:v", "1",
        "-vf", "scale='min(1280,iw)':-2", "-f", "image2pipe", "-c:v", "mjpeg", "-q:v", "3", "-",
    ]  # fmt: skip
    return ffmpeg.run(
        args, cancel=ctx.cancel, timeout=120, error_cls=RenderError, what="Thumbnail extraction"
    )


def _frame_stats(jpeg: bytes) -> tuple[float, float]:
    if not jpeg:
        return (0.0, 0.0)
    image = cv2.imdecode(np.frombuffer(jpeg, dtype=np.uint8), cv2.IMREAD_GRAYSCALE)
    if image is None:
        return (0.0, 0.0)
    return (float(image.mean()), float(image.std()))
