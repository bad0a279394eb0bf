"""Shorts render overhead: the product's whole per-clip render against the bare minimum encode.

Product: `render_clip` (cuts landed in silence, reframe analysis, captions + hook subtitles, loudness
pass 1, the one encode with its thumbnail candidates, the thumbnail pick, SRT/VTT and the delivered
file's loudness check). Bare: ffmpeg doing the same encode with a CONSTANT centred crop, the same
.ass file, the same audio gain/limiter chain and the same codec settings: what any tool must spend.
Goals: whole/bare <= 1.3; analysis <= 0.25 s per clip second on 2 cores; 1 encode per clip.

The source is the face scenarios of tests/shorts_media.py (real photos, espeak speech, hard cuts
between scenarios) joined and scaled to 1280x720 (or --height 1080). Product and bare encodes
alternate clip by clip, so other load on the shared machine hits both alike.
Run: .venv/bin/python bench/shorts_render.py [--clips 3] [--seconds 15] [--height 720] [--fps 25]
"""

from __future__ import annotations

import argparse
import functools
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from backend.config import Config
from backend.pipeline import ffmpeg
from backend.pipeline.cancel import CancelToken
from backend.pipeline.grounding import ClipCandidate
from backend.pipeline.options import JobOptions
from backend.pipeline.shorts import analysis, ass, detector, fonts, loudness
from backend.pipeline.shorts import render as shorts
from backend.pipeline.shorts.graph import Graph
from backend.pipeline.shorts.render import ShortSpec
from backend.pipeline.stages import render as stage
from backend.pipeline.stages.render import RenderInputs, encode_args, render_clip
from backend.pipeline.transcript import Segment, Transcript, Word
from tests.shorts_media import PHRASES, shorts_media

SCENARIOS = ("still", "drift", "two", "cut", "turns", "sway", "none")
SCENE_SECONDS = 8.0
TITLE = "The garden committee meets every Monday"
GOAL_RATIO, GOAL_ANALYSIS = 1.3, 0.25
# Kept across runs (tests.media's cache_dir() is per process): building the source takes a minute.
CACHE = Path(tempfile.gettempdir()) / "vc-bench-shorts-render"


def source(scenes: int, height: int, fps: int) -> tuple[Path, Transcript]:
    """`scenes` face scenarios (8 s each, cycled) joined and scaled to 16:9 `height`, with their words."""
    names = [SCENARIOS[i % len(SCENARIOS)] for i in range(scenes)]
    CACHE.mkdir(exist_ok=True)
    out = CACHE / f"source-{scenes}x-{height}p{fps}-yt.mp4"
    # The scenarios' word times, kept beside the video: shorts_media() re-composites its clip.
    words_file = out.with_suffix(".words.json")
    if not out.exists() or not words_file.exists():
        listing = CACHE / f"scenes-{scenes}.txt"
        listing.write_text("".join(f"file '{shorts_media(n).video}'\n" for n in names))
        width = height * 16 // 9
        # About a YouTube download's video bitrate (the camera grain would otherwise take 8 Mb/s,
        # and decoding the source is most of the analysis).
        kbps = 2500 if height <= 720 else 4500
        tmp = out.with_suffix(".part.mp4")
        subprocess.run(
            [
                "ffmpeg",
                "-nostdin",
                "-y",
                "-v",
                "error",
                "-f",
                "concat",
                "-safe",
                "0",
                "-i",
                str(listing),
                "-vf",
                f"fps={fps},scale={width}:{height}:flags=lanczos",
                "-c:v",
                "libx264",
                "-preset",
                "veryfast",
                "-crf",
                "23",
                "-g",
                str(2 * fps),
                "-maxrate",
                f"{kbps}k",
                "-bufsize",
                f"{2 * kbps}k",
                "-pix_fmt",
                "yuv420p",
                "-c:a",
                "aac",
                "-b:a",
                "128k",
                "-ar",
                "48000",
                str(tmp),
            ],
            check=True,
        )
        tmp.replace(out)
        words_file.write_text(json.dumps({n: shorts_media(n).speech for n in set(names)}))
    speech = json.loads(words_file.read_text())
    segments = []
    for k, name in enumerate(names):
        spans = iter(speech[name])
        for _, text in PHRASES:
            words = tuple(
                Word(s + k * SCENE_SECONDS, e + k * SCENE_SECONDS, w)
                for w, (s, e) in zip(text.split(), spans, strict=False)
            )
            segments.append(Segment(words[0].start, words[-1].end, text, words))
    return out, Transcript("en", segments, "captions")


def candidates(n: int, seconds: float, total: float, transcript: Transcript) -> list[ClipCandidate]:
    """`n` clips of about `seconds`, spread over the source, cut at segment boundaries."""
    segs = transcript.segments
    step = (total - seconds - 1.0) / max(1, n - 1)
    out = []
    for i in range(n):
        first = min(segs, key=lambda s: abs(s.start - (0.5 + i * step)))
        last = min((s for s in segs if s.end > first.start), key=lambda s: abs(s.end - first.start - seconds))
        out.append(ClipCandidate(first.start, last.end, 1.0, title=TITLE))
    return out


def cpu_seconds() -> float:
    """CPU time of this process (all threads: the face detector) and its finished children
    (ffmpeg): a figure the other load on a shared machine inflates far less than wall time."""
    own, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


class Steps:
    """Wall time per step of `render_clip`, by wrapping the functions it calls (module attributes)."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = defaultdict(float)
        self.cpu: dict[str, float] = defaultdict(float)
        self.popens: list[list[str]] = []

    @contextmanager
    def installed(self) -> Iterator[None]:
        targets = [
            (stage, "land_in_silence", "1 land cuts in silence"),
            (analysis, "analyze_clip", "2 reframe analysis"),
            (analysis, "_take", "2a  per-frame Python work"),
            (shorts, "_write_subtitles", "3 subtitles (.ass)"),
            (loudness, "measure", "4 loudness pass 1"),
            (stage, "_encode", "5 the encode (+thumbs)"),
            (stage, "pick_thumbnail", "6 thumbnail pick"),
            (shorts, "measured_loudness", "7 delivered loudness"),
        ]
        saved = [(module, attr, getattr(module, attr)) for module, attr, _ in targets]
        real_popen = subprocess.Popen
        for module, attr, label in targets:
            setattr(module, attr, self._timed(getattr(module, attr), label))

        def recording(args: Any, *a: Any, **kw: Any) -> Any:
            self.popens.append([str(x) for x in args])
            return real_popen(args, *a, **kw)

        subprocess.Popen = recording  # type: ignore[misc,assignment]
        try:
            yield
        finally:
            subprocess.Popen = real_popen  # type: ignore[misc]
            for module, attr, fn in saved:
                setattr(module, attr, fn)

    def _timed(self, fn: Callable[..., Any], label: str) -> Callable[..., Any]:
        @functools.wraps(fn)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            began, cpu = time.perf_counter(), cpu_seconds()
            try:
                return fn(*args, **kwargs)
            finally:
                self.seconds[label] += time.perf_counter() - began
                self.cpu[label] += cpu_seconds() - cpu

        return wrapper


def describe(args: list[str]) -> str:
    """A short name for one subprocess of the render: its program and what it does."""
    joined = " ".join(args)
    for key, name in (
        ("libx264", "encode"),
        ("rawvideo", "analysis decode"),
        ("ebur128", "ebur128"),
        ("f32le", "energy"),
        ("s16le", "energy"),
    ):
        if key in joined:
            return f"{args[0]}:{name}"
    return Path(args[0]).name


def bare_args(inputs: RenderInputs, clip: Any, out: Path, work: Path) -> list[str]:
    """The same encode as the product's, with a constant centred crop.

    Its subtitles and audio chain are made by the product's own functions for the delivered clip's
    times (the same events; only their placement ignores faces), before the clock starts.
    """
    spec, media = inputs.spec, inputs.media
    width, height = shorts.output_size(spec, media.width, media.height)
    duration = clip.end_time - clip.start_time
    words = ass.clip_words(inputs.transcript, clip.start_time, clip.end_time)
    # No scenes: the same captions and title, placed as if no face were shown (the same burn cost).
    subtitles = shorts._write_subtitles(
        spec, words, TITLE, (width, height), duration, [], work / f"{out.stem}.ass"
    )
    media_path = inputs.media_path
    measured = loudness.measure(media_path, clip.start_time, duration, target=spec.loudness_target)
    audio = loudness.audio_filter(spec.loudness_target, measured)
    cw, ch = (int(v) // 2 * 2 for v in analysis.crop_size(media.width, media.height, width, height))
    x, y = (media.width - cw) // 2 // 2 * 2, (media.height - ch) // 2 // 2 * 2
    video = f"[0:v]crop={cw}:{ch}:{x}:{y},scale={width}:{height},setsar=1,{subtitles},format=yuv420p[v]"
    graph = Graph(f"{video};[0:a:0]{audio}[a]", audio="[a]")
    args = encode_args(
        media_path,
        clip.start_time,
        duration,
        out,
        preset=inputs.config.render_preset,
        crf=inputs.config.render_crf,
        graph=graph,
    )
    return args


def bare_encode(inputs: RenderInputs, clip: Any, out: Path, work: Path) -> tuple[float, float]:
    """The bare encode's wall and CPU seconds (its set-up is not counted)."""
    args = bare_args(inputs, clip, out, work)
    began, cpu = time.perf_counter(), cpu_seconds()
    subprocess.run(args, check=True)
    return time.perf_counter() - began, cpu_seconds() - cpu


def stage_like(
    inputs: RenderInputs, clips: list[ClipCandidate], workers: int, work: Path
) -> tuple[float, float]:
    """Wall seconds of all clips through `workers` threads as the render stage runs them (one clip's
    analysis then overlaps another's encode), and of the bare encodes `workers` at a time."""
    with ThreadPoolExecutor(max_workers=workers) as pool:
        began = time.perf_counter()
        rendered = list(
            pool.map(lambda ic: render_clip(inputs, ic[1], ic[0], f"par_{ic[0]:02d}"), enumerate(clips, 1))
        )
        product = time.perf_counter() - began
        args = [bare_args(inputs, r, work / f"bare_par_{r.index:02d}.mp4", work) for r in rendered]
        began = time.perf_counter()
        list(pool.map(lambda a: subprocess.run(a, check=True), args))
        return product, time.perf_counter() - began


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--clips", type=int, default=3)
    parser.add_argument("--seconds", type=float, default=15.0, help="clip length (s)")
    parser.add_argument("--source-seconds", type=float, default=48.0, help="source length (8 s scenes)")
    parser.add_argument("--height", type=int, default=720, choices=(720, 1080), help="source height")
    parser.add_argument("--fps", type=int, default=25)
    parser.add_argument(
        "--concurrency", type=int, default=0, help="also time N clips at a time, as the stage"
    )
    parser.add_argument("--rounds", type=int, default=1, help="repeat and take medians per clip")
    parser.add_argument("--resolution", default="1080p", choices=("1080p", "720p"), help="output")
    a = parser.parse_args()

    scenes = max(2, round(a.source_seconds / SCENE_SECONDS))
    video, transcript = source(scenes, a.height, a.fps)
    media = ffmpeg.probe_media(video)
    work = Path(tempfile.mkdtemp(prefix="bench-shorts-render-"))
    config = Config(data_dir=work / "data")  # the product's defaults: preset, crf
    spec = ShortSpec.of(JobOptions.model_validate({"resolution": a.resolution}))
    inputs = RenderInputs(
        job_dir=work / "job",
        media_path=video,
        media=media,
        transcript=transcript,
        spec=spec,
        min_duration=max(3.0, a.seconds - 5),
        max_duration=a.seconds + 10,
        config=config,
        cancel=CancelToken(),
    )
    clips = candidates(a.clips, a.seconds, media.duration, transcript)
    detector.load_detector()  # loaded once per worker process, not per clip
    fonts.caption_font()

    steps = Steps()
    runs: dict[str, list[list[float]]] = {k: [[] for _ in clips] for k in ("pw", "pc", "bw", "bc")}
    encodes, processes, layouts, seconds = [], [], [], 0.0
    first_processes: list[str] = []
    for r in range(a.rounds):
        for i, candidate in enumerate(clips):
            before = len(steps.popens)
            with steps.installed():
                began, cpu = time.perf_counter(), cpu_seconds()
                rendered = render_clip(inputs, candidate, i + 1, f"clip_{i + 1:02d}")
                runs["pw"][i].append(time.perf_counter() - began)
                runs["pc"][i].append(cpu_seconds() - cpu)
            wall, cpu = bare_encode(inputs, rendered, work / f"bare_{i + 1:02d}.mp4", work)
            runs["bw"][i].append(wall)
            runs["bc"][i].append(cpu)
            if r == 0:
                started = steps.popens[before:]
                encodes.append(sum(1 for p in started if p[0] == "ffmpeg" and "libx264" in p))
                processes.append(len(started))
                if i == 0:
                    first_processes = [describe(p) for p in started]
                layouts.append(f"{rendered.layout} ({len(rendered.shots or [])} shots)")
                seconds += rendered.duration

    med = {k: [statistics.median(v) for v in per_clip] for k, per_clip in runs.items()}
    whole, minimum = sum(med["pw"]), sum(med["bw"])
    whole_cpu, minimum_cpu = sum(med["pc"]), sum(med["bc"])
    step_s = {k: v / a.rounds for k, v in steps.seconds.items()}
    step_cpu = {k: v / a.rounds for k, v in steps.cpu.items()}
    analysis_s = step_s["2 reframe analysis"]
    print(
        f"load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores; "
        f"detector {detector.detector_name()}"
    )
    print(
        f"source: {media.width}x{media.height} {media.fps:g} fps, {media.duration:.1f} s; "
        f"output {shorts.output_size(spec, media.width, media.height)}, preset {config.render_preset}, "
        f"crf {config.render_crf}; {a.rounds} round(s), medians per clip"
    )
    print(f"clips: {len(clips)}, {seconds:.1f} s of video; layouts: {', '.join(layouts)}")
    print(f"product render_clip wall: {whole:6.2f} s  per clip {[round(t, 2) for t in med['pw']]}")
    print(f"bare ffmpeg wall:         {minimum:6.2f} s  per clip {[round(t, 2) for t in med['bw']]}")
    print(f"1. whole / bare (wall):   {whole / minimum:.3f}  (goal <= {GOAL_RATIO})")
    print(f"   whole / bare (CPU s):  {whole_cpu / minimum_cpu:.3f}  ({whole_cpu:.1f} / {minimum_cpu:.1f})")
    print(
        f"2. analysis s per clip s: {analysis_s / seconds:.3f} wall  "
        f"{step_cpu['2 reframe analysis'] / seconds:.3f} CPU  (goal <= {GOAL_ANALYSIS})"
    )
    print(
        f"3. encodes per clip:      {encodes}  (must be 1 each); "
        f"ffmpeg/ffprobe processes per clip {processes}"
    )
    print("where the product's time goes (per round, all clips):   wall s  share    CPU s")
    for label in sorted(step_s):
        if label == "2a  per-frame Python work":
            note = "(of 2: detector + cut measure; the rest is waiting on the decode)"
            print(f"   {label:<26}{step_s[label]:>28.2f}  {'':>5}  {step_cpu[label]:>7.2f}  {note}")
            continue
        print(f"   {label:<26}{step_s[label]:>28.2f}  {step_s[label] / whole:>5.1%}  {step_cpu[label]:>7.2f}")
    rest = whole - sum(v for k, v in step_s.items() if not k.startswith("2a"))
    print(f"   {'other (srt/vtt, glue)':<26}{rest:>28.2f}  {rest / whole:>5.1%}")
    encode = step_s["5 the encode (+thumbs)"]
    print(
        f"   the encode / bare encode: {encode / minimum:.3f} wall, "
        f"{step_cpu['5 the encode (+thumbs)'] / minimum_cpu:.3f} CPU"
    )
    print(f"   processes of clip 1: {', '.join(first_processes)}")
    if a.concurrency > 1:
        par = [stage_like(inputs, clips, a.concurrency, work) for _ in range(a.rounds)]
        pw, bw = statistics.median(p for p, _ in par), statistics.median(b for _, b in par)
        print(
            f"{a.concurrency} clips at a time (the stage's render_concurrency): product {pw:.2f} s, "
            f"bare {bw:.2f} s, whole / bare {pw / bw:.3f}"
        )


if __name__ == "__main__":
    main()
