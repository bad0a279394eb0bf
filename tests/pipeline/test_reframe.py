"""The reframe analysis on real photos and generated clips with known face positions.

Face detection runs the real BlazeFace model (OpenCV DNN) on scikit-image photos; the analysis
runs real ffmpeg decodes of tests/shorts_media.py clips and is scored by `tracking_figures`.
"""

from __future__ import annotations

import itertools
import subprocess
import threading
from pathlib import Path

import cv2
import numpy as np
import pytest
import skimage.data

from backend.pipeline.cancel import CancelToken
from backend.pipeline.errors import AnalysisError, JobCancelled
from backend.pipeline.shorts import analysis, detector, shots
from backend.pipeline.shorts.plan import Box, ReframePlan
from tests.shorts_media import SCENARIOS, ShortsMedia, shorts_media, tracking_figures

ASTRONAUT_FACE = (180, 82, 94, 94)  # x, y, w, h, checked by eye
CAMERA_FACE = (174, 119, 90, 90)
OUT = (1080, 1920)


def _iou(a: tuple[float, ...], b: tuple[float, ...]) -> float:
    x0, y0 = max(a[0], b[0]), max(a[1], b[1])
    x1, y1 = min(a[0] + a[2], b[0] + b[2]), min(a[1] + a[3], b[1] + b[3])
    inter = max(0.0, x1 - x0) * max(0.0, y1 - y0)
    return inter / (a[2] * a[3] + b[2] * b[3] - inter)


def _rgb(img: np.ndarray) -> np.ndarray:
    return np.stack([img] * 3, axis=-1) if img.ndim == 2 else img


# --- detector ---------------------------------------------------------------------------------


@pytest.mark.parametrize("spec", [detector.FULL_RANGE, detector.SHORT_RANGE], ids=lambda s: s.label)
def test_blazeface_finds_the_astronaut(spec: detector.ModelSpec) -> None:
    folder = detector.model_dir()
    assert folder is not None
    faces = detector.BlazeFaceDetector(folder / spec.file, spec).detect(skimage.data.astronaut())
    assert len(faces) == 1
    face = faces[0]
    assert _iou((face.x, face.y, face.w, face.h), ASTRONAUT_FACE) > 0.6
    assert face.score > 0.7
    assert face.mouth is not None
    # The mouth keypoint sits on her mouth (at ~(220, 147) in the photo).
    assert abs(face.mouth[0] - 220) < 12 and abs(face.mouth[1] - 147) < 12


def test_loaded_detector_finds_the_camera_man_and_no_face_in_coffee() -> None:
    det = detector.load_detector()
    assert "fallback" not in det.name and "MediaPipe" in det.name
    assert detector.detector_name() == det.name
    faces = det.detect(_rgb(skimage.data.camera()))
    assert len(faces) == 1
    x, y, w, h = CAMERA_FACE
    assert x <= faces[0].cx <= x + w and y <= faces[0].cy <= y + h
    assert det.detect(skimage.data.coffee()) == []


def test_no_face_in_a_testsrc_frame(tmp_path: Path) -> None:
    raw = subprocess.run(
        [
            "ffmpeg",
            "-v",
            "error",
            "-f",
            "lavfi",
            "-i",
            "testsrc2=size=640x360:duration=0.1",
            "-frames:v",
            "1",
            "-f",
            "rawvideo",
            "-pix_fmt",
            "rgb24",
            "-",
        ],
        check=True,
        capture_output=True,
    ).stdout
    assert detector.load_detector().detect(np.frombuffer(raw, np.uint8).reshape(360, 640, 3)) == []


def test_small_faces_of_a_wide_shot_are_found_at_the_analysis_size() -> None:
    """Why full range is preferred: faces ~10 % of the frame height at the 320 px analysis width."""
    from tests.shorts_media import _background, _photo

    frame = _background(1)
    boxes = []
    for name, x in (("astronaut", 100), ("camera", 450)):
        photo = _photo(name, 90)
        frame[50:140, x : x + 90] = photo.image
        boxes.append((x + photo.face[0], 50 + photo.face[1], photo.face[2], photo.face[3]))
    small = cv2.resize(frame, (320, 180), interpolation=cv2.INTER_AREA)
    found = sorted(detector.load_detector().detect(small), key=lambda f: f.x)
    assert len(found) == 2
    for face, (x, y, w, h) in zip(found, boxes, strict=True):
        assert x <= 2 * face.cx <= x + w and y <= 2 * face.cy <= y + h


def test_detector_is_safe_across_threads() -> None:
    det = detector.load_detector()
    photo = skimage.data.astronaut()
    expected = det.detect(photo)
    results: list[list[detector.Face]] = []
    threads = [threading.Thread(target=lambda: results.append(det.detect(photo))) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results == [expected] * 6


def test_haar_fallback_when_the_model_is_missing(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr(detector, "model_dir", lambda: tmp_path)  # a folder without the model files
    detector.reset_detector()
    try:
        det = detector.load_detector()
        assert det.name.startswith("haar-cascade (fallback:")
        assert "missing" in det.name
        faces = det.detect(skimage.data.astronaut())
        assert (
            len(faces) == 1 and _iou((faces[0].x, faces[0].y, faces[0].w, faces[0].h), ASTRONAUT_FACE) > 0.5
        )
        # The whole analysis still works on the fallback (no mouth keypoints: the largest face).
        still = shorts_media("still")
        plan = analysis.analyze_clip(still.video, 0.0, still.duration, out_w=1080, out_h=1920)
        assert plan.detector == det.name and plan.layout == "crop"
        _assert_tracked(tracking_figures(plan, still.truth, still.fps))
        monkeypatch.setattr(detector, "model_dir", lambda: None)  # the package itself is absent
        detector.reset_detector()
        assert "not installed" in detector.detector_name()
    finally:
        monkeypatch.undo()
        detector.reset_detector()
    assert "fallback" not in detector.detector_name()


# --- shots ------------------------------------------------------------------------------------


def test_segment_merges_a_shot_shorter_than_the_minimum() -> None:
    times = [i / 10 for i in range(100)]
    changes = [0.01] * 100
    changes[30], changes[40], changes[70] = 0.6, 0.3, 0.5  # shots 0-3, 3-4 (too short), 4-7, 7-10
    spans = shots.segment(times, changes, 10.0)
    # The 1 s piece loses its weaker boundary (4.0) and joins the shot before it.
    assert spans == [(0.0, 3.0), (3.0, 7.0), (7.0, 10.0)]


def test_no_cut_in_a_busy_but_continuous_change() -> None:
    rng = np.random.default_rng(3)
    changes = list(0.2 + 0.03 * rng.standard_normal(100))  # a fast pan: large but steady change
    assert shots.find_cuts(changes) == []


# --- analysis ---------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def media() -> dict[str, ShortsMedia]:
    return {name: shorts_media(name) for name in SCENARIOS}


_PLANS: dict[tuple[str, str], ReframePlan] = {}


def _plan(m: ShortsMedia, layout: str = "auto", out: tuple[int, int] = OUT) -> ReframePlan:
    key = (m.name, f"{layout}-{out}")
    if key not in _PLANS:
        _PLANS[key] = analysis.analyze_clip(
            m.video, 0.0, m.duration, out_w=out[0], out_h=out[1], layout=layout, speech=m.speech
        )
    return _PLANS[key]


def _assert_tracked(figures: dict[str, float]) -> None:
    assert figures["frames"] > 0
    assert figures["inside"] >= 0.95, figures
    assert figures["centred"] >= 0.90, figures
    assert figures["still_move_pct"] < 1.0, figures
    assert figures["reversals_per_s"] <= 0.15, figures


def test_still_face_gets_a_still_crop(media: dict[str, ShortsMedia]) -> None:
    m = media["still"]
    plan = _plan(m)
    assert [s.layout for s in plan.shots] == ["crop"]
    assert (plan.source_w, plan.source_h) == (640, 360) and plan.detector == detector.detector_name()
    shot = plan.shots[0]
    assert shot.crop_h == 360 and shot.crop_w == pytest.approx(360 * 9 / 16)
    assert shot.faces == 1
    assert len({round(k.x, 3) for k in shot.path}) == 1  # never moves
    figures = tracking_figures(plan, m.truth, m.fps)
    _assert_tracked(figures)
    assert figures["still_move_pct"] == 0.0


def test_drifting_face_is_followed_smoothly(media: dict[str, ShortsMedia]) -> None:
    m = media["drift"]
    plan = _plan(m)
    assert [s.layout for s in plan.shots] == ["crop"]
    path = plan.shots[0].path
    travel = path[-1].x - path[0].x
    assert 180 <= travel <= 260  # the face travels 240 px; the window follows most of it
    assert len(path) <= 4 * m.duration + 2
    assert all(b.t > a.t for a, b in itertools.pairwise(path))
    figures = tracking_figures(plan, m.truth, m.fps)
    _assert_tracked(figures)
    assert figures["max_speed_px_s"] <= 60  # no faster than the face (40 px/s) plus easing


def test_small_sway_is_not_followed(media: dict[str, ShortsMedia]) -> None:
    m = media["sway"]
    plan = _plan(m)
    assert [s.layout for s in plan.shots] == ["crop"]
    xs = [k.x for k in plan.shots[0].path]
    assert max(xs) - min(xs) < 4  # the deadzone swallows a ±14 px rock
    figures = tracking_figures(plan, m.truth, m.fps)
    _assert_tracked(figures)
    assert figures["reversals_per_s"] == 0.0


def test_hard_cut_makes_a_shot_boundary_and_a_jump(media: dict[str, ShortsMedia]) -> None:
    m = media["cut"]
    assert m.cut_at is not None
    plan = _plan(m)
    bounds = [s.start for s in plan.shots[1:]]
    # Within 0.2 s is the acceptance; the decode at the source's rate puts it on the very frame.
    assert len(bounds) == 1 and abs(bounds[0] - m.cut_at) < 0.5 / m.fps
    before, after = plan.shots
    assert before.layout == after.layout == "crop"
    # No pan across the cut: each shot's window is still and stays on its own side.
    assert {k.x for k in before.path} == {before.path[0].x} and {k.x for k in after.path} == {after.path[0].x}
    assert before.path[0].x < 200 < after.path[0].x
    figures = tracking_figures(plan, m.truth, m.fps)
    _assert_tracked(figures)
    assert figures["cut_recovery_s"] <= 0.5


def test_clip_start_offsets_the_times(media: dict[str, ShortsMedia]) -> None:
    m = media["cut"]
    plan = analysis.analyze_clip(m.video, 2.0, 4.0, out_w=1080, out_h=1080)
    assert plan.duration == 4.0
    assert [round(s.start, 2) for s in plan.shots] == [0.0, 2.12]
    assert plan.shots[-1].end == 4.0
    assert all(s.crop_w == s.crop_h == 360 for s in plan.shots)  # square output: a 360x360 window


def test_two_faces_far_apart_split(media: dict[str, ShortsMedia]) -> None:
    m = media["two"]
    plan = _plan(m)
    assert [s.layout for s in plan.shots] == ["split"]
    shot = plan.shots[0]
    assert shot.faces == 2 and len(shot.panels) == 2
    top, bottom = shot.panels
    for panel in shot.panels:
        assert panel.w / panel.h == pytest.approx(1080 / 960)
        assert panel.x >= 0 and panel.y >= 0 and panel.x + panel.w <= 640 and panel.y + panel.h <= 360
    left, right = m.truth[0]
    assert _holds(top, left) and not _holds(top, right)
    assert _holds(bottom, right) and not _holds(bottom, left)
    assert tracking_figures(plan, m.truth, m.fps, face=0)["inside"] == 1.0
    assert tracking_figures(plan, m.truth, m.fps, face=1)["inside"] == 1.0


def _holds(box: Box, face: tuple[float, float, float, float]) -> bool:
    x, y, w, h = face
    return box.x <= x and box.y <= y and x + w <= box.x + box.w and y + h <= box.y + box.h


def test_forced_crop_follows_the_speaker_not_the_larger_face(media: dict[str, ShortsMedia]) -> None:
    m = media["two"]
    assert m.speaker == 1
    plan = _plan(m, "crop")
    assert [s.layout for s in plan.shots] == ["crop"]
    speaker = tracking_figures(plan, m.truth, m.fps, face=1)
    _assert_tracked(speaker)
    assert tracking_figures(plan, m.truth, m.fps, face=0)["inside"] == 0.0  # the larger listener is out


def test_forced_crop_switches_to_whoever_speaks(media: dict[str, ShortsMedia]) -> None:
    m = media["turns"]
    assert _plan(m).layout == "split"
    plan = _plan(m, "crop")
    (shot,) = plan.shots
    jumps = [(a, b) for a, b in itertools.pairwise(shot.path) if abs(b.x - a.x) > 100]
    assert len(jumps) == 1
    a, b = jumps[0]
    assert b.t - a.t <= 0.01  # a switch, not a pan across the room
    first_end = max(e for s, e in m.speech if s < 4.0)
    second_start = min(s for s, e in m.speech if s >= 4.0)
    assert first_end <= b.t <= second_start  # in the pause, before the new speaker's first word
    assert a.x < 100 < 400 < b.x  # from the left face to the right one
    figures = tracking_figures(plan, m.truth, m.fps, face=m.speaking)
    assert figures["frames"] > 100
    _assert_tracked(figures)


def test_turns_shorter_than_the_minimum_do_not_switch() -> None:
    from backend.pipeline.shorts.tracking import Track, _merge_short_turns

    left, right = Track(), Track()
    turns = _merge_short_turns([(0.0, left), (3.0, right), (4.0, left), (8.0, right)], (0.0, 12.0))
    # The 1 s turn of the right face is dropped; the left face keeps the crop until 8 s.
    assert [(s, e) for s, e, _ in turns] == [(0.0, 8.0), (8.0, 12.0)]
    assert turns[0][2] is left and turns[1][2] is right
    (only,) = _merge_short_turns([(0.0, left), (11.0, right)], (0.0, 12.0))
    assert only[:2] == (0.0, 12.0) and only[2] is left


def test_without_speech_the_crop_takes_the_larger_face(media: dict[str, ShortsMedia]) -> None:
    m = media["two"]
    plan = analysis.analyze_clip(m.video, 0.0, m.duration, out_w=1080, out_h=1920, layout="crop")
    assert tracking_figures(plan, m.truth, m.fps, face=0)["inside"] >= 0.95


def test_no_face_fits_and_forced_crop_is_centred_and_still(media: dict[str, ShortsMedia]) -> None:
    m = media["none"]
    assert [s.layout for s in _plan(m).shots] == ["fit"]
    assert _plan(m).shots[0].faces == 0
    crop = _plan(m, "crop")
    assert [s.layout for s in crop.shots] == ["crop"]
    assert [k.x for k in crop.shots[0].path] == [(640 - 202.5) / 2] * 2
    assert _plan(m, "split").layout == "fit"  # split where two faces exist, else as auto


def test_forced_layouts(media: dict[str, ShortsMedia]) -> None:
    assert _plan(media["two"], "fit").layout == "fit"
    assert _plan(media["two"], "split").layout == "split"
    assert _plan(media["still"], "split").layout == "crop"
    with pytest.raises(AnalysisError, match="Unknown layout"):
        analysis.analyze_clip(media["still"].video, 0, 1, out_w=1080, out_h=1920, layout="zoom")


def test_an_analysis_over_its_time_limit_says_so(media: dict[str, ShortsMedia]) -> None:
    with pytest.raises(AnalysisError, match="timed out after 0.001 s"):
        analysis.analyze_clip(media["still"].video, 0, 8, out_w=1080, out_h=1920, timeout=0.001)


def test_cancelled_analysis_raises(media: dict[str, ShortsMedia]) -> None:
    token = CancelToken()
    token.cancel()
    with pytest.raises(JobCancelled):
        analysis.analyze_clip(media["still"].video, 0, 8, out_w=1080, out_h=1920, cancel=token)


@pytest.fixture(scope="session")
def transformed(media: dict[str, ShortsMedia], tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The still clip at 1280x720 and turned upright (360x640, rotated 90° clockwise)."""
    root = tmp_path_factory.mktemp("reframe")
    out = {}
    for name, vf in (("720p", "scale=1280:720"), ("upright", "transpose=1")):
        out[name] = root / f"{name}.mp4"
        subprocess.run(
            [
                "ffmpeg",
                "-nostdin",
                "-y",
                "-v",
                "error",
                "-i",
                str(media["still"].video),
                "-vf",
                vf,
                "-c:v",
                "libx264",
                "-preset",
                "ultrafast",
                "-pix_fmt",
                "yuv420p",
                "-an",
                str(out[name]),
            ],
            check=True,
        )
    return out


def test_a_larger_source_gets_the_same_window_in_its_own_pixels(
    media: dict[str, ShortsMedia], transformed: dict[str, Path]
) -> None:
    small = _plan(media["still"]).shots[0]
    plan = analysis.analyze_clip(transformed["720p"], 0.0, 8.0, out_w=1080, out_h=1920)
    (shot,) = plan.shots
    assert (plan.source_w, plan.source_h) == (1280, 720)
    assert shot.crop_h == 720 and shot.crop_w == pytest.approx(405)
    assert shot.path[0].x == pytest.approx(2 * small.path[0].x, abs=12)
    truth = [tuple((x * 2, y * 2, w * 2, h * 2) for x, y, w, h in frame) for frame in media["still"].truth]
    _assert_tracked(tracking_figures(plan, truth, 25.0))


def test_an_upright_source_in_a_square_output_is_followed_vertically(
    media: dict[str, ShortsMedia], transformed: dict[str, Path]
) -> None:
    plan = analysis.analyze_clip(transformed["upright"], 0.0, 8.0, out_w=1080, out_h=1080)
    (shot,) = plan.shots
    assert (plan.source_w, plan.source_h) == (360, 640)
    assert shot.crop_w == shot.crop_h == 360
    assert {k.x for k in shot.path} == {0.0}
    # transpose=1 maps (x, y) to (H - 1 - y, x): a face box (x, y, w, h) becomes (360 - y - h, x, h, w).
    truth = [tuple((360 - y - h, x, h, w) for x, y, w, h in frame) for frame in media["still"].truth]
    assert tracking_figures(plan, truth, 25.0)["inside"] == 1.0
    _, face_y, _, face_h = truth[0][0]
    centre = face_y + face_h / 2 - shot.path[0].y
    assert 0.2 * 360 <= centre <= 0.8 * 360


def test_a_clip_past_the_end_of_the_source_is_an_analysis_error(media: dict[str, ShortsMedia]) -> None:
    with pytest.raises(AnalysisError, match="No video frames"):
        analysis.analyze_clip(media["still"].video, 20.0, 5.0, out_w=1080, out_h=1920)


def test_keyframe_pruning_keeps_the_path_within_a_pixel() -> None:
    from backend.pipeline.shorts.plan import Keyframe
    from backend.pipeline.shorts.tracking import prune

    # A 3-minute slow sway sampled 5 times a second: 900 points.
    points = [Keyframe(i / 5, 200 + 80 * np.sin(i / 25), 10 + 5 * np.cos(i / 40)) for i in range(900)]
    kept = prune(points, 180.0)
    assert 2 < len(kept) <= 4 * 180 + 2
    ts = [k.t for k in kept]
    assert max(abs(np.interp(p.t, ts, [k.x for k in kept]) - p.x) for p in points) <= 1.0
    assert max(abs(np.interp(p.t, ts, [k.y for k in kept]) - p.y) for p in points) <= 1.0
    line = [Keyframe(i / 5, 3.0 * i, 0.0) for i in range(100)]
    assert prune(line, 20.0) == (line[0], line[-1])
