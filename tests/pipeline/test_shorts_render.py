"""The render stage's Shorts, end to end on real face media: exact sizes and codecs, one encode per
clip, the face kept in the delivered frames, a thumbnail with a face, loudness on the clip."""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

import cv2
import numpy as np
import pytest

from backend.config import Config
from backend.pipeline import ffmpeg
from backend.pipeline.cancel import CancelToken
from backend.pipeline.grounding import ClipCandidate
from backend.pipeline.options import JobOptions
from backend.pipeline.shorts import detector
from backend.pipeline.shorts.render import ShortSpec
from backend.pipeline.stages.render import RenderInputs, render_clip
from backend.pipeline.transcript import Segment, Transcript, Word
from tests.conftest import make_config
from tests.shorts_media import PHRASES, ShortsMedia, shorts_media


def transcript_of(media: ShortsMedia) -> Transcript:
    """The media's words with their true times (each phrase's words spoken in order)."""
    words = [w for _, text in PHRASES for w in text.split()]
    assert len(words) == len(media.speech)
    timed = [Word(s, e, w) for (s, e), w in zip(media.speech, words, strict=True)]
    segments, i = [], 0
    for _, text in PHRASES:
        n = len(text.split())
        part = tuple(timed[i : i + n])
        segments.append(Segment(part[0].start, part[-1].end, text, part))
        i += n
    return Transcript("en", segments, "captions")


def inputs(tmp_path: Path, media: ShortsMedia, **options: Any) -> RenderInputs:
    config: Config = make_config(tmp_path / "data", "sqlite://", render_preset="ultrafast")
    return RenderInputs(
        job_dir=tmp_path / "job",
        media_path=media.video,
        media=ffmpeg.probe_media(media.video),
        transcript=transcript_of(media),
        spec=ShortSpec.of(JobOptions(**options)),
        min_duration=3.0,
        max_duration=60.0,
        config=config,
        cancel=CancelToken(),
    )


def probe(path: Path) -> dict[str, Any]:
    data = ffmpeg.ffprobe_json(path)
    video = next(s for s in data["streams"] if s["codec_type"] == "video")
    audio = next(s for s in data["streams"] if s["codec_type"] == "audio")
    return {
        "size": (video["width"], video["height"]),
        "vcodec": video["codec_name"],
        "pix": video["pix_fmt"],
        "acodec": audio["codec_name"],
        "rate": int(audio["sample_rate"]),
        "duration": float(data["format"]["duration"]),
    }


@pytest.fixture(scope="module")
def still() -> ShortsMedia:
    return shorts_media("still")


@pytest.mark.parametrize(
    ("options", "size"),
    [
        ({}, (1080, 1920)),
        ({"resolution": "720p"}, (720, 1280)),
        ({"format": "square"}, (1080, 1080)),
        ({"format": "square", "resolution": "720p"}, (720, 720)),
        ({"format": "original", "resolution": "1080p"}, (1920, 1080)),
        ({"format": "original", "resolution": "720p"}, (1280, 720)),
        ({"format": "original"}, (640, 360)),
    ],
)
def test_exact_sizes_codecs_and_duration(
    tmp_path: Path, still: ShortsMedia, options: dict[str, Any], size: tuple[int, int]
) -> None:
    candidate = ClipCandidate(0.3, 6.3, 1.0, title="Sizes")
    clip = render_clip(inputs(tmp_path, still, **options), candidate, 1, "c")
    info = probe(tmp_path / "job" / clip.video_path)
    assert info["size"] == size == (clip.width, clip.height)
    assert (info["vcodec"], info["pix"], info["acodec"], info["rate"]) == ("h264", "yuv420p", "aac", 48000)
    assert abs(info["duration"] - (clip.end_time - clip.start_time)) <= 0.1, info


def test_one_encode_per_clip_and_the_face_stays_in_the_delivered_frames(
    tmp_path: Path, still: ShortsMedia, monkeypatch: pytest.MonkeyPatch
) -> None:
    started: list[list[str]] = []
    real_popen = subprocess.Popen

    def recording_popen(args: Any, *a: Any, **kw: Any) -> Any:
        started.append([str(x) for x in args])
        return real_popen(args, *a, **kw)

    monkeypatch.setattr(subprocess, "Popen", recording_popen)
    candidate = ClipCandidate(0.3, 7.3, 1.0, title="Hi")
    clip = render_clip(inputs(tmp_path, still, layout="crop"), candidate, 1, "c")
    monkeypatch.undo()
    encodes = [a for a in started if a[0] == "ffmpeg" and "libx264" in a]
    assert len(encodes) == 1, f"{len(encodes)} encodes: {encodes}"
    assert clip.layout == "crop" and clip.loudness == pytest.approx(-14, abs=1)
    video = tmp_path / "job" / clip.video_path
    faces = _faces_per_frame(video, every=5)
    inside = sum(1 for found in faces if found) / len(faces)
    assert inside >= 0.95, f"a face was found in {inside:.0%} of sampled output frames"
    thumb = cv2.cvtColor(cv2.imread(str(tmp_path / "job" / clip.thumbnail_path)), cv2.COLOR_BGR2RGB)
    assert detector.load_detector().detect(thumb), "the thumbnail shows the face"
    assert thumb.shape[1] * 16 == thumb.shape[0] * 9, "the thumbnail is a frame of the vertical clip"


def _faces_per_frame(video: Path, every: int) -> list[bool]:
    cap = cv2.VideoCapture(str(video))
    found, index = [], 0
    while True:
        ok, frame = cap.read()
        if not ok:
            break
        if index % every == 0:
            small = cv2.resize(frame, (frame.shape[1] // 3, frame.shape[0] // 3))
            faces = detector.load_detector().detect(cv2.cvtColor(small, cv2.COLOR_BGR2RGB))
            found.append(any(_fully_inside(f, small.shape) for f in faces))
        index += 1
    cap.release()
    return found


def _fully_inside(face: Any, shape: tuple[int, ...]) -> bool:
    return bool(face.x >= 0 and face.y >= 0 and face.x + face.w <= shape[1] and face.y + face.h <= shape[0])


def test_plain_options_skip_the_filter_graph(tmp_path: Path, still: ShortsMedia) -> None:
    plain = {"format": "original", "caption_style": "none", "hook_title": False, "loudness_target": None}
    clip = render_clip(inputs(tmp_path, still, **plain), ClipCandidate(0.3, 6.3, 1.0), 1, "c")
    assert (clip.width, clip.height, clip.loudness, clip.shots) == (640, 360, None, None)
    duration = probe(tmp_path / "job" / clip.video_path)["duration"]
    assert np.isclose(duration, clip.end_time - clip.start_time, atol=0.1)
