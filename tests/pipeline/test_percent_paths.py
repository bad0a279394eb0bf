"""A `%` in DATA_DIR (or `--out`) is an ordinary character: ffmpeg's image2 muxer reads `%` in an
output name as a sequence pattern, so every literal part of a pattern must be escaped."""

from __future__ import annotations

from pathlib import Path

import pytest

from backend.pipeline import ffmpeg
from backend.pipeline.grounding import ClipCandidate
from backend.pipeline.stages.render import render_clip
from tests.pipeline.test_shorts_render import inputs
from tests.shorts_media import ShortsMedia, shorts_media

PLAIN = {"format": "original", "caption_style": "none", "hook_title": False, "loudness_target": None}


@pytest.fixture(scope="module")
def still() -> ShortsMedia:
    return shorts_media("still")


def test_the_pattern_escapes_only_the_directory(tmp_path: Path) -> None:
    folder = tmp_path / "100%25 %d"
    assert ffmpeg.image_sequence(folder, "%02d.jpg") == f"{tmp_path}/100%%25 %%d/%02d.jpg"


@pytest.mark.parametrize("options", [PLAIN, {}], ids=["plain", "shorts"])
def test_a_clip_renders_under_a_folder_with_a_percent(
    tmp_path: Path, still: ShortsMedia, options: dict[str, object]
) -> None:
    root = tmp_path / "100% sure %02d"
    root.mkdir()
    clip = render_clip(inputs(root, still, **options), ClipCandidate(0.3, 4.3, 1.0), 1, "c")
    video = root / "job" / clip.video_path
    thumbnail = root / "job" / clip.thumbnail_path
    assert ffmpeg.probe_media(video).duration == pytest.approx(clip.end_time - clip.start_time, abs=0.1)
    assert thumbnail.read_bytes()[:3] == b"\xff\xd8\xff"  # a JPEG
    written = sorted(p.name for p in (root / "job").rglob("*") if p.is_file())
    assert written == ["c.jpg", "c.mp4", "c.srt", "c.vtt"]
