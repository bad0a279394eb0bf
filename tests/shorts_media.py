"""Test media for the Shorts reframe analysis, with ground truth, and the figures a plan earns on it.

Real face photos (scikit-image's astronaut and camera man) are composited with numpy onto a plain
or textured background at 640x360, 25 fps, piped as raw RGB into ffmpeg (libx264 yuv420p) with an
espeak-ng speech track (AAC 48 kHz). Each scenario returns the mp4 and, per frame, the true face
boxes in source pixels. `tracking_figures()` scores a ReframePlan against that truth; the tests
and bench/shorts_tracking.py share it.
"""

from __future__ import annotations

import functools
import itertools
import subprocess
import wave
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import cv2
import numpy as np

from backend.pipeline.shorts.plan import Box, ReframePlan, Shot
from tests.media import SAMPLE_RATE, _espeak, audible_extent, cache_dir

WIDTH, HEIGHT, FPS = 640, 360, 25
SCENARIOS = ("still", "drift", "sway", "cut", "two", "turns", "none")

FaceBox = tuple[float, float, float, float]  # x, y, w, h in source px


@dataclass(frozen=True)
class Photo:
    """A square patch of a photo around a face; `face` is the face box inside the patch (patch px)."""

    image: np.ndarray
    face: FaceBox
    mouth: tuple[float, float]


@dataclass(frozen=True)
class ShortsMedia:
    name: str
    video: Path
    duration: float
    fps: float
    width: int
    height: int
    truth: tuple[tuple[FaceBox, ...], ...]  # per frame, each face's box (same order every frame)
    speech: tuple[tuple[float, float], ...] = ()  # word spans (s)
    cut_at: float | None = None  # the hard cut (s)
    speaker: int | None = None  # index in `truth` of the face that speaks
    # Per frame: the index of the face speaking then (None between utterances or without speech).
    speaking: tuple[int | None, ...] = ()


@functools.cache
def _photo(name: str, side: int) -> Photo:
    """The face patch of a scikit-image photo resized to `side` px (boxes checked by eye)."""
    import skimage.data

    if name == "mirrored":  # the astronaut flipped left-right: a second frontal face
        flipped = _photo("astronaut", side)
        fx, fy, fw, fh = flipped.face
        return Photo(
            flipped.image[:, ::-1].copy(),
            (side - fx - fw, fy, fw, fh),
            (side - flipped.mouth[0], flipped.mouth[1]),
        )
    if name == "astronaut":
        img, top, left, face, mouth = skimage.data.astronaut(), 30, 127, (180, 82, 94, 94), (220, 147)
    else:
        img, top, left, face, mouth = skimage.data.camera(), 64, 119, (174, 119, 90, 90), (228, 185)
    if img.ndim == 2:
        img = np.stack([img] * 3, axis=-1)
    patch = cv2.resize(img[top : top + 200, left : left + 200], (side, side), interpolation=cv2.INTER_AREA)
    k = side / 200
    fx, fy, fw, fh = face
    box = ((fx - left) * k, (fy - top) * k, fw * k, fh * k)
    return Photo(patch, box, ((mouth[0] - left) * k, (mouth[1] - top) * k))


def _background(seed: int, plain: bool = False) -> np.ndarray:
    """A soft random texture (no faces), or a plain grey-blue when `plain`."""
    if plain:
        return np.full((HEIGHT, WIDTH, 3), (90, 110, 140), dtype=np.uint8)
    rng = np.random.default_rng(seed)
    small = rng.uniform(40, 200, size=(9, 16, 3)).astype(np.float32)
    base = cv2.resize(small, (WIDTH, HEIGHT), interpolation=cv2.INTER_CUBIC)
    grain = cv2.GaussianBlur(rng.normal(0, 18, size=(HEIGHT, WIDTH, 3)).astype(np.float32), (0, 0), 2)
    return np.clip(base + grain, 0, 255).astype(np.uint8)


def _paste(frame: np.ndarray, photo: Photo, x: float, y: float, open_: float = 0.0) -> FaceBox:
    """Paste the patch at (x, y) (rounded); `open_` > 0 stretches the lower face (a speaking mouth)."""
    patch = photo.image
    if open_ > 0:
        patch = _open_mouth(photo, open_)
    ix, iy = int(np.rint(x)), int(np.rint(y))
    side = patch.shape[0]
    frame[iy : iy + side, ix : ix + side] = patch
    fx, fy, fw, fh = photo.face
    return (ix + fx, iy + fy, fw, fh)


def _open_mouth(photo: Photo, amount: float) -> np.ndarray:
    """Stretch the rows from just above the mouth down by 1 + amount (the chin drops)."""
    patch = photo.image.copy()
    _, fy, _, fh = photo.face
    r0 = int(photo.mouth[1] - 0.12 * fh)
    r1 = min(patch.shape[0], int(fy + 1.25 * fh))
    rows = r0 + (np.arange(r1 - r0) / (1.0 + amount)).astype(int)
    patch[r0:r1] = photo.image[rows]
    return patch


def _speech(
    root: Path, duration: float, phrases: list[tuple[float, str]]
) -> tuple[Path, list[tuple[float, float]]]:
    """A WAV of `duration` s with each (start, text) phrase spoken word by word; returns word spans."""
    total = np.zeros(int(duration * SAMPLE_RATE), dtype="<i2")
    spans: list[tuple[float, float]] = []
    n = 0
    for start, text in phrases:
        t = start
        for word in text.split():
            samples = _espeak(word, root / f"w{n}.wav", 165, 100)
            n += 1
            first, last = audible_extent(samples)
            samples = samples[int(first * SAMPLE_RATE) : int(last * SAMPLE_RATE)]
            i = int(t * SAMPLE_RATE)
            samples = samples[: max(0, len(total) - i)]
            total[i : i + len(samples)] = samples
            spans.append((round(t, 3), round(t + len(samples) / SAMPLE_RATE, 3)))
            t += len(samples) / SAMPLE_RATE + 0.08
    wav = root / "speech.wav"
    with wave.open(str(wav), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(SAMPLE_RATE)
        w.writeframes(total.tobytes())
    return wav, spans


PHRASES = [(0.4, "the garden committee meets every monday"), (4.6, "bring your gloves and a small shovel")]


def _encode(frames: list[np.ndarray], wav: Path, out: Path) -> None:
    proc = subprocess.Popen(
        [
            "ffmpeg",
            "-nostdin",
            "-y",
            "-v",
            "error",
            "-f",
            "rawvideo",
            "-pix_fmt",
            "rgb24",
            "-s",
            f"{WIDTH}x{HEIGHT}",
            "-r",
            str(FPS),
            "-i",
            "pipe:0",
            "-i",
            str(wav),
            "-c:v",
            "libx264",
            "-preset",
            "ultrafast",
            "-crf",
            "20",
            "-g",
            str(FPS * 2),
            "-pix_fmt",
            "yuv420p",
            "-c:a",
            "aac",
            "-ar",
            "48000",
            "-b:a",
            "64k",
            "-shortest",
            str(out),
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    assert proc.stdin is not None
    for frame in frames:
        proc.stdin.write(frame.tobytes())
    proc.stdin.close()
    err = proc.stderr.read() if proc.stderr else b""
    if proc.wait() != 0:
        raise RuntimeError(f"ffmpeg failed: {err.decode(errors='replace')}")


@functools.cache
def shorts_media(name: str) -> ShortsMedia:
    """The scenario's clip (generated once per process): still, drift, sway, cut, two, turns or none."""
    if name not in SCENARIOS:
        raise ValueError(name)
    root = cache_dir() / f"shorts-{name}"
    root.mkdir(exist_ok=True)
    duration = 8.0
    n = int(duration * FPS)
    wav, spans = _speech(root, duration, PHRASES)
    frames: list[np.ndarray] = []
    truth: list[tuple[FaceBox, ...]] = []
    cut_at: float | None = None
    speaker: int | None = None
    speaking: list[int | None] = []
    bg_a = _background(1)
    bg_b = _background(2)
    # Camera grain that changes every frame (a bank of 8, cycled), so detections jitter as on video.
    grain_rng = np.random.default_rng(5)
    grain = [grain_rng.normal(0, 5, (HEIGHT, WIDTH, 3)).astype(np.int16) for _ in range(8)]
    astro = _photo("astronaut", 180)
    if name == "none":
        import skimage.data

        coffee = cv2.resize(skimage.data.coffee(), (WIDTH, HEIGHT), interpolation=cv2.INTER_AREA)
    for i in range(n):
        t = i / FPS
        if name == "still":
            frame = bg_a.copy()
            boxes: tuple[FaceBox, ...] = (_paste(frame, astro, 250, 70),)
        elif name == "sway":
            frame = bg_a.copy()
            # A speaker rocking ±14 px twice every 2 s: small enough that the crop should not follow.
            boxes = (_paste(frame, astro, 230 + 14 * np.sin(np.pi * t), 75),)
        elif name == "drift":
            frame = bg_a.copy()
            # 40 px/s from left of centre to the right, after a still second.
            x = 120 + 40 * min(max(t - 1.0, 0.0), 6.0)
            boxes = (_paste(frame, astro, x, 80),)
        elif name == "cut":
            cut_at = 4.12  # frame 103: off any 10 fps grid, so only a frame-exact boundary lands on it
            if t < cut_at:
                frame = bg_a.copy()
                boxes = (_paste(frame, astro, 60, 70),)
            else:
                frame = _background(3, plain=True)
                boxes = (_paste(frame, astro, 400, 90),)
        elif name == "two":
            speaker = 1
            frame = bg_b.copy()
            talking = any(s <= t <= e for s, e in spans)
            open_ = 0.18 * abs(np.sin(2 * np.pi * 4.0 * t)) if talking else 0.0
            speaking.append(1 if _in_utterance(t, spans) else None)
            # The listener is larger and on the left, so neither "largest" nor "leftmost" finds the speaker.
            boxes = (
                _paste(frame, _photo("camera", 220), 20, 60),
                _paste(frame, _photo("astronaut", 140), 470, 100, open_),
            )
        elif name == "turns":
            # The left face says the first phrase, the right one the second.
            frame = bg_b.copy()
            who = _in_utterance(t, spans)
            turn = None if who is None else (0 if who < PHRASES[1][0] else 1)
            speaking.append(turn)
            talking = any(s <= t <= e for s, e in spans)
            open_ = 0.18 * abs(np.sin(2 * np.pi * 4.0 * t)) if talking else 0.0
            boxes = (
                _paste(frame, _photo("mirrored", 150), 30, 90, open_ if turn == 0 else 0.0),
                _paste(frame, _photo("astronaut", 150), 460, 90, open_ if turn == 1 else 0.0),
            )
        else:
            frame = coffee.copy()
            boxes = ()
        frames.append(np.clip(frame + grain[i % len(grain)], 0, 255).astype(np.uint8))
        truth.append(boxes)
    video = root / f"{name}.mp4"
    _encode(frames, wav, video)
    return ShortsMedia(
        name,
        video,
        duration,
        FPS,
        WIDTH,
        HEIGHT,
        tuple(truth),
        tuple(spans),
        cut_at,
        speaker,
        tuple(speaking),
    )


def _in_utterance(t: float, spans: list[tuple[float, float]], gap: float = 0.6) -> float | None:
    """The start of the utterance (words less than `gap` apart) in progress at `t`, if any."""
    start: float | None = None
    end = -1.0
    for s, e in spans:
        if start is None or s - end >= gap:
            if start is not None and start <= t <= end:
                return start
            start = s
        end = e
    return start if start is not None and start <= t <= end else None


# --- evaluation -------------------------------------------------------------------------------


def window_at(shot: Shot, t: float) -> tuple[float, float]:
    """The crop window's (x, y) at clip time `t`: linear between keyframes, held outside them."""
    path = shot.path
    if not path:
        return (0.0, 0.0)
    if t <= path[0].t:
        return (path[0].x, path[0].y)
    for a, b in itertools.pairwise(path):
        if t <= b.t:
            k = (t - a.t) / (b.t - a.t) if b.t > a.t else 1.0
            return (a.x + k * (b.x - a.x), a.y + k * (b.y - a.y))
    return (path[-1].x, path[-1].y)


def _windows(plan: ReframePlan, shot: Shot, t: float) -> list[Box]:
    if shot.layout == "crop":
        x, y = window_at(shot, t)
        return [Box(x, y, shot.crop_w, shot.crop_h)]
    if shot.layout == "split":
        return list(shot.panels)
    return [Box(0, 0, plan.source_w, plan.source_h)]


def _inside(face: FaceBox, box: Box, slack: float = 0.5) -> bool:
    x, y, w, h = face
    return (
        x >= box.x - slack
        and y >= box.y - slack
        and x + w <= box.x + box.w + slack
        and y + h <= box.y + box.h + slack
    )


def _centred(face: FaceBox, box: Box) -> bool:
    cx = face[0] + face[2] / 2
    return box.x + 0.2 * box.w <= cx <= box.x + 0.8 * box.w


def shot_at(plan: ReframePlan, t: float) -> Shot:
    for shot in plan.shots:
        if shot.start <= t < shot.end:
            return shot
    return plan.shots[-1]


def tracking_figures(
    plan: ReframePlan, truth: Any, fps: float, *, face: int | Sequence[int | None] = 0
) -> dict[str, float]:
    """How well `plan` keeps face number `face` of `truth` (per-frame boxes) in view.

    `face` may also be per frame (e.g. who is speaking; None frames are not scored for framing).
    inside: share of frames where the face is fully inside its window (the crop, a split panel,
    or the whole frame for fit); centred: share where its centre is in the middle 60 % of that
    window's width; still_move_pct: the largest crop move between consecutive frames while the
    face is still, in % of the window width; reversals_per_s: in-scene sign changes of the crop's
    velocity (moves under 0.5 px a frame ignored); max_speed_px_s: the fastest in-scene pan
    (source px/s); cut_recovery_s: the longest time after a cut until the face is inside again.
    A window move of over 20 % of the frame width in one frame is a jump (a cut or a switch of
    speaker), not a pan: it counts for neither speed nor reversals.
    """
    n = len(truth)
    targets = [face] * n if isinstance(face, int) else list(face)
    inside = centred = counted = 0
    xs: list[float | None] = []
    shot_ids: list[int] = []
    for i in range(n):
        t = i / fps
        shot = shot_at(plan, t)
        shot_ids.append(plan.shots.index(shot))
        xs.append(window_at(shot, t)[0] if shot.layout == "crop" else None)
        target = targets[i]
        if target is None or len(truth[i]) <= target:
            continue
        box = truth[i][target]
        windows = _windows(plan, shot, t)
        counted += 1
        inside += any(_inside(box, w) for w in windows)
        centred += any(_centred(box, w) for w in windows)
    still_move = 0.0
    reversals = 0
    max_speed = 0.0
    last_sign = 0
    crop_w = max((s.crop_w for s in plan.shots if s.layout == "crop"), default=0.0)
    for i in range(1, n):
        a, b = xs[i - 1], xs[i]
        target = targets[i]
        same = target is not None and target == targets[i - 1]
        if (
            a is None
            or b is None
            or shot_ids[i] != shot_ids[i - 1]
            or abs(b - a) > 0.2 * plan.source_w
            or (same and _jumped(truth, i, target, plan.source_w))
        ):
            last_sign = 0
            continue
        move = b - a
        max_speed = max(max_speed, abs(move) * fps)
        if same and _face_still(truth, i, target) and crop_w:
            still_move = max(still_move, abs(move) / crop_w * 100)
        if abs(move) >= 0.5:
            sign = 1 if move > 0 else -1
            reversals += last_sign != 0 and sign != last_sign
            last_sign = sign
    recovery = _cut_recovery(plan, truth, fps, targets)
    return {
        "frames": float(counted),
        "inside": inside / counted if counted else 1.0,
        "centred": centred / counted if counted else 1.0,
        "still_move_pct": still_move,
        "reversals_per_s": reversals / (n / fps),
        "max_speed_px_s": max_speed,
        "cut_recovery_s": recovery,
    }


def _centre(truth: Any, i: int, face: int) -> tuple[float, float] | None:
    if len(truth[i]) <= face:
        return None
    x, y, w, h = truth[i][face]
    return (x + w / 2, y + h / 2)


def _face_still(truth: Any, i: int, face: int) -> bool:
    a, b = _centre(truth, i - 1, face), _centre(truth, i, face)
    return a is not None and b is not None and abs(a[0] - b[0]) < 0.5 and abs(a[1] - b[1]) < 0.5


def _jumped(truth: Any, i: int, face: int, width: int) -> bool:
    a, b = _centre(truth, i - 1, face), _centre(truth, i, face)
    return a is not None and b is not None and abs(a[0] - b[0]) > 0.2 * width


def _cut_recovery(plan: ReframePlan, truth: Any, fps: float, targets: Sequence[int | None]) -> float:
    worst = 0.0
    for i in range(1, len(truth)):
        face = targets[i]
        if face is None or face != targets[i - 1] or not _jumped(truth, i, face, plan.source_w):
            continue
        j = i
        while j < len(truth):
            t = j / fps
            if any(_inside(truth[j][face], w) for w in _windows(plan, shot_at(plan, t), t)):
                break
            j += 1
        worst = max(worst, (j - i) / fps)
    return worst


# Faces of a wide shot: the host near the camera, the guest further back at a quarter of the height.
WIDE_HOST_FACE = 128  # px tall: about a third of the 360 px frame
WIDE_GUEST_FACE = 32  # px tall: a quarter of the host's, under a tenth of the frame
WIDE_GUESTS = ("camera", "mirrored")


@functools.cache
def wide_shot_media(guest: str = "camera", duration: float = 6.0) -> ShortsMedia:
    """Two people in one 16:9 shot, one face about a quarter the height of the other.

    The host (the astronaut, large, left) and the guest (small, right: the camera man, whose face is
    half hidden by his camera, or the mirrored astronaut, a plain frontal face) sit still for the
    whole clip; the host says the first phrase (her mouth opens and closes).
    `truth` lists the host's box first."""
    if guest not in WIDE_GUESTS:
        raise ValueError(guest)
    root = cache_dir() / f"shorts-wide-{guest}-{duration:g}"
    root.mkdir(exist_ok=True)
    wav, spans = _speech(root, duration, PHRASES[:1])
    host = _photo("astronaut", round(WIDE_HOST_FACE * 200 / 94))
    if guest == "mirrored":
        small = _photo("mirrored", round(WIDE_GUEST_FACE * 200 / 94))
    else:
        small = _photo("camera", round(WIDE_GUEST_FACE * 200 / 90))
    background = _background(4)
    grain_rng = np.random.default_rng(7)
    grain = [grain_rng.normal(0, 5, (HEIGHT, WIDTH, 3)).astype(np.int16) for _ in range(8)]
    frames: list[np.ndarray] = []
    truth: list[tuple[FaceBox, ...]] = []
    speaking: list[int | None] = []
    for i in range(int(duration * FPS)):
        t = i / FPS
        frame = background.copy()
        talking = any(s <= t <= e for s, e in spans)
        open_ = 0.18 * abs(np.sin(2 * np.pi * 4.0 * t)) if talking else 0.0
        boxes = (_paste(frame, host, 30, 40, open_), _paste(frame, small, 480, 150))
        speaking.append(0 if _in_utterance(t, spans) else None)
        frames.append(np.clip(frame + grain[i % len(grain)], 0, 255).astype(np.uint8))
        truth.append(boxes)
    video = root / "wide.mp4"
    _encode(frames, wav, video)
    return ShortsMedia(
        f"wide-{guest}",
        video,
        duration,
        FPS,
        WIDTH,
        HEIGHT,
        tuple(truth),
        tuple(spans),
        None,
        0,
        tuple(speaking),
    )
