"""One Short: the options → output size, the reframe plan, the caption/hook subtitles and the
loudness filter, assembled into the filter graph of the clip's single encode.

Everything slow that is not the encode happens before it and reads little: the reframe analysis
decodes a low-resolution copy, the loudness pass decodes audio only. The encode itself writes the
MP4 and, from the same finished frames, a few thumbnail candidates.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

from backend.pipeline.cancel import CancelToken
from backend.pipeline.options import JobOptions, render_values
from backend.pipeline.shorts import analysis, ass, fonts, loudness
from backend.pipeline.shorts.graph import Graph, build_graph, raise_top_panels, shown_faces, split_seam
from backend.pipeline.shorts.plan import ReframePlan
from backend.pipeline.transcript import Transcript

HOOK_SECONDS = 3.0
# (format, resolution) -> the output's (short side, long side) or fixed square side.
SIZES = {"1080p": 1080, "720p": 720}


class ShortSpec(JobOptions):
    """What one clip is rendered as: the render options (`RENDER_OPTIONS`) of a job or a re-render.

    A JobOptions, so each render option has its one declared type; only the render options are
    set, the renderer reads nothing else (the others stay at their defaults)."""

    @classmethod
    def of(cls, options: JobOptions) -> ShortSpec:
        return cls.model_validate(render_values(options))

    def as_dict(self) -> dict[str, Any]:
        return render_values(self)

    @property
    def is_plain(self) -> bool:
        """The source's own frames and sound, nothing burned in: no filter graph at all."""
        untouched_picture = self.format == "original" and self.resolution == "original"
        nothing_burned = self.caption_style == "none" and not self.hook_title
        return untouched_picture and nothing_burned and self.loudness_target is None


def _even(value: float) -> int:
    return max(2, int(round(value / 2)) * 2)


def output_size(spec: ShortSpec, source_w: int, source_h: int) -> tuple[int, int]:
    """Exact output size: 1080x1920 / 720x1280 (vertical), 1080x1080 / 720x720 (square); original
    keeps the source's aspect with its short side at 1080/720, or the source's own size."""
    resolution = spec.output_resolution
    if spec.format == "vertical":
        side = SIZES.get(resolution, 1080)
        return side, side * 16 // 9
    if spec.format == "square":
        side = SIZES.get(resolution, 1080)
        return side, side
    if resolution not in SIZES:
        return _even(source_w), _even(source_h)
    short = SIZES[resolution]
    if source_w >= source_h:
        return _even(short * source_w / source_h), short
    return short, _even(short * source_h / source_w)


@dataclass(frozen=True)
class PreparedShort:
    """Everything the encode needs, decided before it starts."""

    graph: Graph
    width: int
    height: int
    plan: ReframePlan | None
    subtitles_path: Path | None

    @property
    def layout(self) -> str:
        return self.plan.layout if self.plan is not None and self.plan.shots else "fit"

    def shots(self) -> list[dict[str, Any]]:
        return [shot.to_dict() for shot in self.plan.shots] if self.plan is not None else []


def prepare(
    spec: ShortSpec,
    *,
    source: Path,
    source_size: tuple[int, int],
    start: float,
    end: float,
    title: str,
    transcript: Transcript,
    subtitles_path: Path,
    cancel: CancelToken | None,
    timeout: float | None,
) -> PreparedShort:
    """Analyse the clip, write its subtitles file, measure its loudness: the encode's graph."""
    width, height = output_size(spec, *source_size)
    duration = end - start
    words = ass.clip_words(transcript, start, end)
    plan, audio = None, None
    # The loudness passes read only the audio: they run beside the (video) analysis, on the other core
    # (measured: 2.9 s of 55 s saved on three 16 s clips, bench/shorts_render.py).
    with ThreadPoolExecutor(max_workers=1) as pool:
        measuring = None
        if spec.loudness_target is not None:
            measuring = pool.submit(
                loudness.measure,
                source,
                start,
                duration,
                target=spec.loudness_target,
                cancel=cancel,
                timeout=timeout,
            )
        if spec.format != "original":
            plan = analysis.analyze_clip(
                source,
                start,
                duration,
                out_w=width,
                out_h=height,
                layout=spec.layout,
                speech=[(w.start, w.end) for w in words],
                cancel=cancel,
                timeout=timeout,
            )
        if plan is not None and spec.hook_title and title.strip():
            plan = raise_top_panels(
                plan,
                width,
                height,
                below=ass.title_bottom(title, width, height),
                margin=ass.FACE_MARGIN,
                keep=ass.caption_height(cast(ass.CaptionStyle, spec.caption_style), width, height) / 2,
                until=HOOK_SECONDS,
            )
        scenes = text_scenes(plan, width, height)
        subtitles = _write_subtitles(spec, words, title, (width, height), duration, scenes, subtitles_path)
        if measuring is not None and spec.loudness_target is not None:
            audio = loudness.audio_filter(spec.loudness_target, measuring.result())
    graph = build_graph(plan, out_w=width, out_h=height, subtitles=subtitles, audio_filter=audio)
    return PreparedShort(graph, width, height, plan, subtitles_path if subtitles else None)


def text_scenes(plan: ReframePlan | None, width: int, height: int) -> list[ass.Scene]:
    """Per shot, the faces its layout shows in the output frame (and a split's seam): where the
    captions and the title must not go. Without a plan (format `original`) nothing is known."""
    if plan is None:
        return []
    return [
        ass.Scene(
            shot.start,
            shot.end,
            tuple(shown_faces(shot, plan, width, height)),
            split_seam(height) if shot.layout == "split" else None,
        )
        for shot in plan.shots
    ]


def _write_subtitles(
    spec: ShortSpec,
    words: list[Any],
    title: str,
    size: tuple[int, int],
    duration: float,
    scenes: list[ass.Scene],
    path: Path,
) -> str | None:
    """The ASS file of the captions and hook title, and its filter; None when there is neither."""
    hook = title if spec.hook_title and title.strip() else None
    if spec.caption_style == "none" and hook is None:
        return None
    style = cast(ass.CaptionStyle, spec.caption_style)
    document = ass.build_ass(
        words,
        style=style,
        width=size[0],
        height=size[1],
        title=hook,
        hook_seconds=HOOK_SECONDS,
        duration=duration,
        scenes=scenes,
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(document, encoding="utf-8")
    return ass.subtitles_filter(path, fonts.caption_font().path.parent)


def measured_loudness(video: Path, cancel: CancelToken | None) -> float | None:
    """The delivered file's integrated LUFS (measured even when loudness was left alone)."""
    integrated, _peak = loudness.measure_output(video, cancel=cancel, timeout=600)
    return round(integrated, 2) if integrated > -70 else None
