"""One low-resolution decode of a clip → its ReframePlan (shots, layout per shot, crop path).

The clip is decoded once, scaled to ANALYSIS_WIDTH, at the source's own frame rate (capped at
MAX_SAMPLE_FPS) so that shot boundaries fall on the exact frame of a cut: a cut placed a frame or
two late shows the previous shot's crop on the new picture. Every frame feeds the cut detector (a
tiny grey thumbnail); every few frames (FACE_FPS) also the face detector. Frames are then dropped;
only the faces, their small mouth patches and the frame-to-frame change are kept.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from backend.pipeline import ffmpeg
from backend.pipeline.cancel import CancelToken
from backend.pipeline.errors import AnalysisError
from backend.pipeline.shorts import shots as shot_mod
from backend.pipeline.shorts import tracking
from backend.pipeline.shorts.detector import Face, FaceDetector, load_detector
from backend.pipeline.shorts.plan import ReframePlan, Shot, extent

# 320 px keeps BlazeFace (full range) finding faces down to ~9 % of the frame height (the smallest
# through the detector's closer look at faint detections) while the whole analysis of a 720p source
# stays near 0.11 s per clip second on a busy 2-core machine (bench/shorts_tracking.py; goal 0.25).
ANALYSIS_WIDTH = 320
MAX_SAMPLE_FPS = 30.0  # a 60 fps source is read at 30 (its cuts then land within 1/30 s)
DEFAULT_FPS = 25.0  # when the source's rate is unknown
# Faces 5 times a second: a detection costs ~5 ms idle and up to ~15 ms on a busy machine; tracks
# and mouths need no more, and the decode dominates (bench/shorts_tracking.py).
FACE_FPS = 5.0
MOUTH_PATCH = (24, 12)
PRESENT = 0.3  # a track seen in this share of a shot's samples is a face of that shot
SPLIT_PRESENT = 0.6  # both faces in this share of the samples for a split
LAYOUTS = ("auto", "crop", "fit", "split")


@dataclass
class _Samples:
    times: list[float]
    changes: list[float]  # changes[i]: between sample i-1 and i (changes[0] = 0)
    faces: list[list[Face]]
    mouths: list[list[np.ndarray | None]]
    detected: list[bool]  # whether the face detector ran on the sample
    fps: float
    face_every: int


def analysis_size(width: int, height: int) -> tuple[int, int]:
    w = min(ANALYSIS_WIDTH, width - width % 2)
    h = max(2, round(height * w / width / 2) * 2)
    return w, h


def crop_size(width: int, height: int, out_w: int, out_h: int) -> tuple[float, float]:
    """The largest window of the output's aspect inside the source frame."""
    aspect = out_w / out_h
    w = min(float(width), height * aspect)
    return w, w / aspect


def _mouth_patch(grey: np.ndarray, face: Face, scale: float) -> np.ndarray | None:
    """The region around the mouth keypoint (analysis px), resampled to a fixed size for comparison."""
    if face.mouth is None:
        return None
    mx, my = face.mouth[0] / scale, face.mouth[1] / scale
    hw, hh = 0.3 * face.w / scale, 0.2 * face.h / scale
    x0, x1 = int(max(0, mx - hw)), int(min(grey.shape[1], mx + hw))
    y0, y1 = int(max(0, my - hh)), int(min(grey.shape[0], my + hh))
    if x1 - x0 < 2 or y1 - y0 < 2:
        return None
    return cv2.resize(grey[y0:y1, x0:x1], MOUTH_PATCH, interpolation=cv2.INTER_AREA).astype(np.float32)


def _decode(
    source: Path,
    start: float,
    duration: float,
    size: tuple[int, int],
    scale: float,
    detector: FaceDetector | None,
    source_fps: float,
    cancel: CancelToken | None,
    timeout: float | None,
) -> _Samples:
    aw, ah = size
    fps = min(MAX_SAMPLE_FPS, source_fps) if source_fps > 0 else DEFAULT_FPS
    every = max(1, round(fps / FACE_FPS))
    args = [
        # Deblocking is invisible at ~320 px and costs ~12 % of the decode (bench/shorts_render.py).
        "ffmpeg",
        "-nostdin",
        "-v",
        "error",
        "-skip_loop_filter",
        "all",
        "-ss",
        f"{start:.3f}",
        *ffmpeg.input_args(source),
        "-t",
        f"{duration:.3f}",
        "-an",
        "-sn",
        "-dn",
        "-vf",
        f"fps={fps:.6f},scale={aw}:{ah}:flags=area",
        "-pix_fmt",
        "rgb24",
        "-f",
        "rawvideo",
        "pipe:1",
    ]
    frame_bytes = aw * ah * 3
    out = _Samples([], [], [], [], [], fps, every)
    prev: np.ndarray | None = None
    began = time.monotonic()
    try:
        for block in ffmpeg.stream_stdout(
            args, block_size=frame_bytes, cancel=cancel, timeout=timeout, error_cls=AnalysisError
        ):
            if len(block) < frame_bytes:
                break
            prev = _take(out, np.frombuffer(block, dtype=np.uint8).reshape(ah, aw, 3), prev, detector, scale)
    except AnalysisError as err:
        # stream_stdout's timer kills ffmpeg, which then only shows as "exit -9".
        if timeout is not None and time.monotonic() - began >= timeout:
            raise AnalysisError(f"The reframe analysis timed out after {timeout:g} s") from err
        raise
    return out


def _take(
    out: _Samples, rgb: np.ndarray, prev: np.ndarray | None, detector: FaceDetector | None, scale: float
) -> np.ndarray:
    """Record one frame's change from the previous one and, on every `face_every`-th, its faces."""
    thumb = shot_mod.thumbnail(rgb)
    out.times.append(len(out.times) / out.fps)
    out.changes.append(shot_mod.change(prev, thumb) if prev is not None else 0.0)
    detect = detector is not None and (len(out.times) - 1) % out.face_every == 0
    faces = [_to_source(f, scale) for f in detector.detect(rgb)] if detector is not None and detect else []
    grey = cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY) if faces else None
    out.detected.append(detect)
    out.faces.append(faces)
    out.mouths.append([_mouth_patch(grey, f, scale) for f in faces] if grey is not None else [])
    return thumb


def _to_source(face: Face, scale: float) -> Face:
    mouth = (face.mouth[0] * scale, face.mouth[1] * scale) if face.mouth is not None else None
    return Face(face.x * scale, face.y * scale, face.w * scale, face.h * scale, face.score, mouth)


def analyze_clip(
    source: Path,
    start: float,
    duration: float,
    *,
    out_w: int,
    out_h: int,
    layout: str = "auto",
    speech: Sequence[tuple[float, float]] = (),
    cancel: CancelToken | None = None,
    timeout: float | None = None,
) -> ReframePlan:
    """Shots, a layout per shot and the crop path of [start, start+duration] of `source`.

    `speech`: clip-relative (start, end) of spoken words, used to find who speaks.
    """
    if layout not in LAYOUTS:
        raise AnalysisError(f"Unknown layout {layout!r} (expected one of {', '.join(LAYOUTS)})")
    info = ffmpeg.probe_media(source, cancel=cancel)
    frame = (info.width, info.height)
    size = analysis_size(*frame)
    scale = info.width / size[0]
    detector = load_detector() if layout != "fit" else None
    samples = _decode(source, start, duration, size, scale, detector, info.fps, cancel, timeout)
    if not samples.times:
        raise AnalysisError(f"No video frames between {start:.1f} s and {start + duration:.1f} s")
    spans = shot_mod.segment(samples.times, samples.changes, duration)
    crop = crop_size(info.width, info.height, out_w, out_h)
    panel_aspect = out_w / (out_h / 2)
    planned = tuple(_plan_shot(samples, span, layout, crop, frame, panel_aspect, speech) for span in spans)
    name = detector.name if detector is not None else load_detector().name
    return ReframePlan(info.width, info.height, duration, planned, name)


def _plan_shot(
    samples: _Samples,
    span: tuple[float, float],
    layout: str,
    crop: tuple[float, float],
    frame: tuple[int, int],
    panel_aspect: float,
    speech: Sequence[tuple[float, float]],
) -> Shot:
    idx = [i for i, t in enumerate(samples.times) if span[0] <= t < span[1]] or [
        min(range(len(samples.times)), key=lambda i: abs(samples.times[i] - span[0]))
    ]
    looked = [i for i in idx if samples.detected[i]] or idx[:1]
    tracks = tracking.build_tracks([(samples.faces[i], samples.mouths[i]) for i in looked], looked)
    present = sorted(
        (t for t in tracks if len(t.faces) >= PRESENT * len(looked)), key=lambda t: -len(t.faces)
    )
    note = _unmet(layout, len(present))
    boxes = tuple(extent(t.faces.values()) for t in present)  # where burned text must not go
    if layout == "fit" or (layout != "crop" and not present):
        return Shot(span[0], span[1], "fit", faces=len(present), note=note, face_boxes=boxes)
    if layout != "crop" and _split_pair(present, len(looked), crop[0], forced=layout == "split"):
        pair = sorted(present[:2], key=lambda t: t.median_box().x)
        # Each panel is framed on its own face: a guest far back is shown as large as the host.
        panels = tuple(tracking.panel(t, t.median_box().h, panel_aspect, frame) for t in pair)
        return Shot(span[0], span[1], "split", panels=panels, faces=len(present), face_boxes=boxes)
    if not present:
        path = tracking.still_path(span, crop, frame)
    else:
        turns = tracking.speaker_turns(present, samples.times, speech, samples.face_every, span)
        rate = samples.fps / samples.face_every
        path = tracking.turns_path(turns, looked, samples.times, crop, frame, rate)
    return Shot(
        span[0],
        span[1],
        "crop",
        crop_w=crop[0],
        crop_h=crop[1],
        path=path,
        faces=len(present),
        note=note,
        face_boxes=boxes,
    )


def _unmet(layout: str, faces: int) -> str:
    """Why the layout asked for cannot be used on a shot with `faces` faces ("" when it can)."""
    if layout == "split" and faces == 0:
        return "Split was asked, but no face is on screen in most of this shot: the whole frame is shown."
    if layout == "split" and faces == 1:
        return "Split was asked, but only one face is on screen in most of this shot: cropped on that face."
    if layout == "crop" and faces == 0:
        return "Crop was asked, but no face is on screen in most of this shot: its centre is shown."
    return ""


def _split_pair(present: Sequence[tracking.Track], n: int, crop_w: float, *, forced: bool = False) -> bool:
    """Two faces in most samples that one crop window cannot hold together (any two when forced:
    a forced split shows both people, whatever their sizes and places)."""
    if len(present) < 2:
        return False
    if forced:
        return True
    if any(len(t.faces) < SPLIT_PRESENT * n for t in present[:2]):
        return False
    a, b = (t.median_box() for t in present[:2])
    span = max(a.x + a.w, b.x + b.w) - min(a.x, b.x)
    return span > 0.9 * crop_w
