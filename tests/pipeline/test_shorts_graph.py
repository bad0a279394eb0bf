"""The single-encode filter graph, rendered for real by ffmpeg on a drawn source.

The source (640x360, 25 fps, static) has a grey ramp band whose level encodes the source x
(so the crop offset of any output frame can be read back by a line fit), and four coloured
corner markers (red, green, blue, yellow) for the fit and split layouts.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import cv2
import numpy as np
import pytest

from backend.pipeline import ffmpeg
from backend.pipeline.shorts.graph import Graph, build_graph, merge_shots, path_expr
from backend.pipeline.shorts.plan import Box, Keyframe, ReframePlan, Shot

SRC_W, SRC_H, FPS = 640, 360, 25
SOURCE_SECONDS = 12.0
BAND = (120, 240)  # rows of the ramp band
CORNER = 56
RED, GREEN, BLUE, YELLOW = (255, 0, 0), (0, 255, 0), (0, 0, 255), (255, 255, 0)


def ramp_level(x: np.ndarray | float) -> np.ndarray | float:
    return 16 + 219 * np.asarray(x) / (SRC_W - 1)


def source_x(level: np.ndarray) -> np.ndarray:
    return (level - 16) * (SRC_W - 1) / 219


@pytest.fixture(scope="session")
def source(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("graph-src")
    frame = np.zeros((SRC_H, SRC_W, 3), np.uint8)
    ramp = np.round(ramp_level(np.arange(SRC_W))).astype(np.uint8)
    frame[BAND[0] : BAND[1], :, :] = ramp[None, :, None]
    c = CORNER
    frame[:c, :c], frame[:c, -c:], frame[-c:, :c], frame[-c:, -c:] = RED, GREEN, BLUE, YELLOW
    png = root / "frame.png"
    cv2.imwrite(str(png), cv2.cvtColor(frame, cv2.COLOR_RGB2BGR))
    out = root / "source.mp4"
    ffmpeg.run(
        [
            "ffmpeg",
            "-nostdin",
            "-y",
            "-v",
            "error",
            "-loop",
            "1",
            "-framerate",
            str(FPS),
            "-i",
            str(png),
            "-f",
            "lavfi",
            "-i",
            f"sine=f=440:d={SOURCE_SECONDS}",
            "-t",
            str(SOURCE_SECONDS),
            "-c:v",
            "libx264",
            "-preset",
            "ultrafast",
            "-crf",
            "8",
            "-g",
            str(FPS),
            "-pix_fmt",
            "yuv420p",
            "-c:a",
            "aac",
            "-b:a",
            "96k",
            str(out),
        ],
        timeout=120,
    )
    return out


def encode(source: Path, start: float, duration: float, graph: Graph, out: Path) -> Path:
    """The render stage's encode (render.py `encode_args`), with the graph's own audio label."""
    ffmpeg.run(
        [
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
            "-filter_complex",
            graph.filter_complex,
            "-map",
            graph.video,
            "-map",
            graph.audio or "0:a:0",
            "-c:v",
            "libx264",
            "-preset",
            "veryfast",
            "-crf",
            "23",
            "-pix_fmt",
            "yuv420p",
            "-c:a",
            "aac",
            "-ar",
            "48000",
            "-b:a",
            "128k",
            str(out),
        ],
        timeout=300,
    )
    return out


def probe(path: Path) -> dict[str, dict]:
    data = json.loads(
        ffmpeg.run(
            [
                "ffprobe",
                "-v",
                "error",
                "-print_format",
                "json",
                "-count_frames",
                "-show_format",
                "-show_streams",
                str(path),
            ],
            timeout=60,
        )
    )
    streams = {s["codec_type"]: s for s in data["streams"]}
    return {"format": data["format"], **streams}


def frame_at(path: Path, at: float, w: int, h: int) -> np.ndarray:
    raw = ffmpeg.run(
        [
            "ffmpeg",
            "-nostdin",
            "-v",
            "error",
            "-ss",
            f"{at:.3f}",
            "-i",
            str(path),
            "-frames:v",
            "1",
            "-f",
            "rawvideo",
            "-pix_fmt",
            "rgb24",
            "-",
        ],
        timeout=60,
    )
    return np.frombuffer(raw, np.uint8).reshape(h, w, 3).astype(np.float64)


def crop_offset(frame: np.ndarray, crop_w: float, crop_h: float, crop_y: float) -> float:
    """The source x of the output's left edge, read from the ramp by a line fit over columns."""
    out_h, out_w = frame.shape[:2]
    scale_y = out_h / crop_h
    top, bottom = (int((BAND[0] + 8 - crop_y) * scale_y), int((BAND[1] - 8 - crop_y) * scale_y))
    rows = frame[max(0, top) : min(out_h, bottom), :, :].mean(axis=(0, 2))
    u = np.arange(out_w)
    keep = slice(out_w // 40, out_w - out_w // 40)
    slope, intercept = np.polyfit(u[keep] + 0.5, source_x(rows[keep]), 1)
    assert slope == pytest.approx(crop_w / out_w, rel=0.03)  # the window's width is the plan's
    return float(intercept)


def expected_x(path: list[tuple[float, float]], t: float) -> float:
    return float(np.interp(t, [p[0] for p in path], [p[1] for p in path]))


def color_near(pixel: np.ndarray, rgb: tuple[int, int, int], tol: float = 60) -> bool:
    return bool(np.abs(pixel - np.array(rgb)).max() < tol)


def patch(frame: np.ndarray, x: float, y: float, r: int = 6) -> np.ndarray:
    xi, yi = int(x), int(y)
    return frame[yi - r : yi + r, xi - r : xi + r].reshape(-1, 3).mean(axis=0)


# --- crop path -------------------------------------------------------------------------------

PATH = [(1.0, 0.0), (3.0, 400.0), (4.5, 150.0)]  # clip time, crop x (source px)


@pytest.mark.parametrize(
    ("out_w", "out_h", "crop_w", "crop_h", "start", "times"),
    [
        (1080, 1920, 202.5, 360.0, 2.0, (0.4, 1.5, 2.0, 2.6, 3.75, 5.0)),
        (720, 1280, 202.5, 360.0, 0.0, (0.5, 2.0, 3.2)),
        (1080, 1080, 240.0, 240.0, 1.0, (2.0,)),
        (720, 720, 240.0, 240.0, 1.0, (2.5,)),
        (1920, 1080, 320.0, 180.0, 1.0, (2.0,)),
        (1280, 720, 320.0, 180.0, 1.0, (3.2,)),
    ],
)
def test_crop_follows_the_keyframe_path(
    source: Path,
    tmp_path: Path,
    out_w: int,
    out_h: int,
    crop_w: float,
    crop_h: float,
    start: float,
    times: tuple[float, ...],
) -> None:
    duration = max(times) + 0.5
    crop_y = (SRC_H - crop_h) / 2
    path = [(t, min(x, SRC_W - crop_w)) for t, x in PATH]
    shot = Shot(
        0.0,
        duration,
        "crop",
        crop_w=crop_w,
        crop_h=crop_h,
        path=tuple(Keyframe(t, x, crop_y) for t, x in path),
    )
    plan = ReframePlan(SRC_W, SRC_H, duration, shots=(shot,))
    out = encode(source, start, duration, build_graph(plan, out_w=out_w, out_h=out_h), tmp_path / "c.mp4")
    info = probe(out)
    assert (info["video"]["width"], info["video"]["height"]) == (out_w, out_h)
    assert abs(int(info["video"]["nb_read_frames"]) - round(duration * FPS)) <= 1
    for t in times:
        # Graph time 0 is the clip's start (not the source's): the seek offset must not leak in.
        measured = crop_offset(frame_at(out, t, out_w, out_h), crop_w, crop_h, crop_y)
        print(f"{out_w}x{out_h} t={t}: crop x {measured:.1f} (path {expected_x(path, t):.1f})")
        assert measured == pytest.approx(expected_x(path, t), abs=4), f"at {t} s"


def test_plan_none_only_scales(source: Path, tmp_path: Path) -> None:
    for out_w, out_h in ((1920, 1080), (1280, 720)):
        out = encode(
            source, 1.0, 1.0, build_graph(None, out_w=out_w, out_h=out_h), tmp_path / f"o{out_w}.mp4"
        )
        info = probe(out)
        assert (info["video"]["width"], info["video"]["height"]) == (out_w, out_h)
        frame = frame_at(out, 0.5, out_w, out_h)
        s = out_w / SRC_W
        assert color_near(patch(frame, 28 * s, 28 * s), RED)
        assert color_near(patch(frame, out_w - 28 * s, out_h - 28 * s), YELLOW)
        assert crop_offset(frame, SRC_W, SRC_H, 0.0) == pytest.approx(0.0, abs=3)


# --- fit and split ---------------------------------------------------------------------------


def fit_corners(frame: np.ndarray) -> dict[str, bool]:
    """The four corner markers inside the centred fitted frame of a 9:16 output."""
    out_h, out_w = frame.shape[:2]
    s = out_w / SRC_W
    top = (out_h - SRC_H * s) / 2
    at = {
        "red": (28, 28),
        "green": (SRC_W - 28, 28),
        "blue": (28, SRC_H - 28),
        "yellow": (SRC_W - 28, SRC_H - 28),
    }
    rgb = {"red": RED, "green": GREEN, "blue": BLUE, "yellow": YELLOW}
    return {name: color_near(patch(frame, x * s, top + y * s), rgb[name]) for name, (x, y) in at.items()}


def is_fit(frame: np.ndarray) -> bool:
    out_h, out_w = frame.shape[:2]
    fill = frame[: int(out_h * 0.2)]  # above the fitted frame: the blurred, darkened fill
    sharp = frame[int(out_h / 2 - 20) : int(out_h / 2 + 20)]  # the ramp across the middle
    return all(fit_corners(frame).values()) and fill.mean() < sharp.mean() and fill.std() < 40


def split_panels(frame: np.ndarray) -> tuple[bool, bool]:
    """Top panel shows the red corner region, bottom panel the yellow one (see SPLIT)."""
    out_h, out_w = frame.shape[:2]
    half = out_h // 2
    sx, sy = out_w / SPLIT[0].w, half / SPLIT[0].h
    top = patch(frame, 28 * sx, 28 * sy)
    bx, by = SRC_W - 28 - SPLIT[1].x, SRC_H - 28 - SPLIT[1].y
    bottom = patch(frame, bx * sx, half + by * sy)
    return color_near(top, RED), color_near(bottom, YELLOW)


# Panels of the half-frame's aspect (1080x960 → 1.125), around the red and yellow corners.
SPLIT = (Box(0.0, 0.0, 162.0, 144.0), Box(SRC_W - 162.0, SRC_H - 144.0, 162.0, 144.0))


def test_fit_shows_the_whole_frame_over_a_blurred_fill(source: Path, tmp_path: Path) -> None:
    plan = ReframePlan(SRC_W, SRC_H, 2.0, shots=(Shot(0.0, 2.0, "fit"),))
    out = encode(source, 1.0, 2.0, build_graph(plan, out_w=1080, out_h=1920), tmp_path / "fit.mp4")
    frame = frame_at(out, 1.0, 1080, 1920)
    assert fit_corners(frame) == {"red": True, "green": True, "blue": True, "yellow": True}
    assert is_fit(frame)


def test_split_stacks_the_two_panels(source: Path, tmp_path: Path) -> None:
    plan = ReframePlan(SRC_W, SRC_H, 2.0, shots=(Shot(0.0, 2.0, "split", panels=SPLIT),))
    out = encode(source, 1.0, 2.0, build_graph(plan, out_w=1080, out_h=1920), tmp_path / "split.mp4")
    info = probe(out)
    assert (info["video"]["width"], info["video"]["height"]) == (1080, 1920)
    frame = frame_at(out, 1.0, 1080, 1920)
    assert split_panels(frame) == (True, True)
    assert not is_fit(frame)


# --- mixed plan ------------------------------------------------------------------------------


def test_mixed_plan_is_frame_exact_and_each_shot_has_its_layout(source: Path, tmp_path: Path) -> None:
    duration = 4.52  # not a whole number of frames' worth of shots
    crop = Shot(
        0.0,
        1.48,
        "crop",
        crop_w=202.5,
        crop_h=360.0,
        path=(Keyframe(0.0, 100.0, 0.0), Keyframe(1.48, 300.0, 0.0)),
    )
    shots = (crop, Shot(1.48, 3.0, "fit"), Shot(3.0, duration, "split", panels=SPLIT))
    plan = ReframePlan(SRC_W, SRC_H, duration, shots=shots)
    assert plan.layout == "mixed"
    graph = build_graph(plan, out_w=720, out_h=1280, audio_filter="aresample=48000")
    assert graph.filter_complex.count("trim=") == 3 and "concat=n=3" in graph.filter_complex
    out = encode(source, 2.0, duration, graph, tmp_path / "mixed.mp4")
    info = probe(out)
    assert abs(float(info["video"]["duration"]) - duration) < 0.1
    assert abs(int(info["video"]["nb_read_frames"]) - round(duration * FPS)) <= 1
    assert abs(float(info["audio"]["duration"]) - duration) < 0.1
    # crop: the ramp at the expected offset and no fit/split look
    first = frame_at(out, 0.74, 720, 1280)
    assert crop_offset(first, 202.5, 360.0, 0.0) == pytest.approx(200.0, abs=4)
    assert not is_fit(first) and split_panels(first) == (False, False)
    second = frame_at(out, 2.2, 720, 1280)
    assert is_fit(second) and split_panels(second) == (False, False)
    third = frame_at(out, 3.8, 720, 1280)
    assert split_panels(third) == (True, True) and not is_fit(third)


def test_delivery_streams_are_h264_yuv420p_and_aac_48k(source: Path, tmp_path: Path) -> None:
    plan = ReframePlan(SRC_W, SRC_H, 1.0, shots=(Shot(0.0, 1.0, "fit"),))
    graph = build_graph(plan, out_w=720, out_h=1280, audio_filter="volume=-3dB,aresample=48000")
    assert graph.audio == "[a]"
    info = probe(encode(source, 0.0, 1.0, graph, tmp_path / "d.mp4"))
    assert (info["video"]["codec_name"], info["video"]["pix_fmt"]) == ("h264", "yuv420p")
    assert info["video"].get("sample_aspect_ratio", "1:1") == "1:1"
    assert (info["audio"]["codec_name"], info["audio"]["sample_rate"]) == ("aac", "48000")


# --- graph text ------------------------------------------------------------------------------


def test_same_layout_shots_merge_into_one_branch() -> None:
    a = Shot(
        0.0, 2.0, "crop", crop_w=202, crop_h=360, path=(Keyframe(0.0, 10.0, 0.0), Keyframe(2.0, 50.0, 0.0))
    )
    b = Shot(2.0, 4.0, "crop", crop_w=202, crop_h=360, path=(Keyframe(2.0, 300.0, 0.0),))
    (merged,) = merge_shots(
        [a, b, Shot(4.0, 5.0, "crop", crop_w=202, crop_h=360, path=(Keyframe(4, 300, 0),))]
    )
    assert (merged.start, merged.end) == (0.0, 5.0)
    graph = build_graph(ReframePlan(SRC_W, SRC_H, 5.0, shots=(a, b)), out_w=1080, out_h=1920)
    assert "trim" not in graph.filter_complex and "concat" not in graph.filter_complex
    assert "gte(t,2.0000)" in graph.filter_complex  # the cut jumps instead of gliding
    assert graph.audio is None and graph.filter_complex.endswith("format=yuv420p[v]")


def test_path_expression_values() -> None:
    """The expression evaluated by ffmpeg's own parser (geq, whose time variable is T, on a frame
    stamped at t) holds before the first keyframe, ramps, jumps at a repeated time, holds after."""
    expr = path_expr([(1.0, 100.0), (3.0, 300.0), (3.0, 10.0), (5.0, 50.0), (7.0, 600.0)], limit=439)
    assert expr.endswith(",0,438)")  # an odd limit becomes the even offset below it
    for t, want in ((0.0, 100), (2.0, 200), (2.9, 290), (3.0, 10), (4.0, 30), (6.0, 244), (9.0, 438)):
        lum = re.sub(r"\bt\b", "T", expr)
        out = ffmpeg.run(
            [
                "ffmpeg",
                "-nostdin",
                "-v",
                "error",
                "-f",
                "lavfi",
                "-i",
                "color=s=2x2:d=1:r=1,format=gray",
                "-vf",
                f"settb=1/1000,setpts=PTS+{t}/TB,geq=lum='({lum})/2'",
                "-frames:v",
                "1",
                "-f",
                "rawvideo",
                "-",
            ],
            timeout=30,
        )
        assert out[0] * 2 == want, f"t={t}"


def test_subtitles_and_odd_sizes() -> None:
    plan = ReframePlan(641, 361, 3.0, shots=(Shot(0.0, 3.0, "crop", crop_w=203.3, crop_h=361),))
    graph = build_graph(plan, out_w=1081, out_h=1919, subtitles="subtitles=filename=x.ass")
    assert "crop=w=204:h=360" in graph.filter_complex and "scale=1080:1920" in graph.filter_complex
    assert graph.filter_complex.endswith("[r]subtitles=filename=x.ass,format=yuv420p[v]")
