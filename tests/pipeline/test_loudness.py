"""Two-pass loudness on real encodes: measure the clip, encode with the gain (and limiter), then
measure the delivered file with ebur128 (true peak)."""

from __future__ import annotations

import math
import subprocess
from pathlib import Path

import pytest

from backend.pipeline import ffmpeg
from backend.pipeline.shorts.graph import Graph, build_graph
from backend.pipeline.shorts.loudness import MAX_TRUE_PEAK, audio_filter, measure, measure_output

SPEECH = (
    "Nobody tells you this secret, but the biggest mistake is working harder. "
    "I lost forty thousand dollars in three weeks. Can you believe it? "
    "You need to stop doing this right now."
)
TARGET = -14.0
LOUD_SQUASH = "compand=attacks=0:decays=0.05:points=-80/-80|-40/-12|0/-6:gain=0"


def run(args: list[str]) -> bytes:
    return ffmpeg.run(["ffmpeg", "-nostdin", "-y", "-v", "error", *args], timeout=120)


@pytest.fixture(scope="session")
def speech(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("loud") / "speech.wav"
    subprocess.run(
        ["espeak-ng", "-v", "en-us", "-s", "160", "-w", str(out), SPEECH], check=True, capture_output=True
    )
    return out


def levelled(speech: Path, lufs: float, out: Path, *, squash: bool) -> Path:
    """A 320x180 testsrc2 + AAC clip of the speech at `lufs` integrated. A loud one is squashed
    and driven into hard clipping, as loud masters are; its gain is found by bisection (clipping
    makes loudness non-linear in the gain)."""
    probe = out.with_suffix(".wav")

    def render(gain: float) -> float:
        chain = f"{LOUD_SQUASH},volume={gain:.2f}dB,asoftclip=type=hard" if squash else f"volume={gain:.2f}dB"
        run(["-i", str(speech), "-af", chain, "-c:a", "pcm_f32le", str(probe)])
        return measure_output(probe)[0]

    if squash:
        low, high = 0.0, 24.0
        for _ in range(8):
            mid = (low + high) / 2
            level = render(mid)
            if abs(level - lufs) < 0.2:
                break
            low, high = (mid, high) if level < lufs else (low, mid)
    else:
        render(lufs - render(0.0))
    run(
        [
            "-f",
            "lavfi",
            "-i",
            "testsrc2=s=320x180:r=25:d=12",
            "-i",
            str(probe),
            "-c:v",
            "libx264",
            "-preset",
            "ultrafast",
            "-c:a",
            "aac",
            "-b:a",
            "128k",
            "-shortest",
            str(out),
        ]
    )
    return out


@pytest.fixture(scope="session")
def sources(speech: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("loud-src")
    return {
        "quiet": levelled(speech, -30.0, root / "quiet.mp4", squash=False),
        "loud": levelled(speech, -8.0, root / "loud.mp4", squash=True),
    }


def encode(source: Path, start: float, duration: float, graph: Graph, out: Path) -> Path:
    """The render stage's encode (render.py `encode_args`), with the graph's own audio label."""
    run(
        [
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
        ]
    )
    return out


def sample_rate(path: Path) -> int:
    audio = next(s for s in ffmpeg.ffprobe_json(path)["streams"] if s["codec_type"] == "audio")
    return int(audio["sample_rate"])


def test_measure_reads_a_sine_exactly(tmp_path: Path) -> None:
    """A 997 Hz mono sine at -20 dBFS is -23.0 LUFS (BS.1770: -3.01 dB for a sine) and -20 dBTP."""
    wav = tmp_path / "sine.wav"
    run(["-f", "lavfi", "-i", "aevalsrc=0.1*sin(2*PI*997*t):s=48000:d=5", str(wav)])
    found = measure(wav, 1.0, 3.0, target=TARGET)
    assert found is not None
    assert found.integrated == pytest.approx(-23.01, abs=0.1)
    assert found.true_peak == pytest.approx(-20.0, abs=0.1)
    assert audio_filter(TARGET, found) == f"volume={TARGET - found.integrated:.2f}dB,aresample=48000"
    assert measure_output(wav) == pytest.approx((-23.01, -20.0), abs=0.1)


def test_silence_and_no_target_mean_no_filter(tmp_path: Path, sources: dict[str, Path]) -> None:
    wav = tmp_path / "silence.wav"
    run(["-f", "lavfi", "-i", "anullsrc=r=48000:cl=mono:d=3", str(wav)])
    assert measure(wav, 0.0, 3.0, target=TARGET) is None
    assert audio_filter(TARGET, None) is None
    assert measure_output(wav) == (-math.inf, -math.inf)
    assert measure(sources["quiet"], 0.0, 5.0, target=None) is None  # no pass at all
    loud = measure(sources["loud"], 0.0, 5.0, target=TARGET)
    assert loud is not None and audio_filter(None, loud) is None


@pytest.mark.parametrize(("name", "level"), [("quiet", -30.0), ("loud", -8.0)])
def test_delivered_file_meets_the_target(
    sources: dict[str, Path], tmp_path: Path, name: str, level: float
) -> None:
    source, start, duration = sources[name], 0.5, 10.0
    found = measure(source, start, duration, target=TARGET)
    assert found is not None and found.integrated == pytest.approx(level, abs=1.0)
    # Both need the limiter: the quiet voice's peaks sit 19 dB over its loudness, and the loud
    # master's limited peaks come out of its AAC encode over full scale.
    assert found.true_peak + TARGET - found.integrated > MAX_TRUE_PEAK
    chain = audio_filter(TARGET, found)
    assert chain is not None and "alimiter" in chain and chain.endswith("aresample=48000")
    graph = build_graph(None, out_w=320, out_h=180, audio_filter=chain)
    out = encode(source, start, duration, graph, tmp_path / f"{name}.mp4")
    lufs, peak = measure_output(out)
    print(
        f"{name}: source {found.integrated:.2f} LUFS / {found.true_peak:.2f} dBTP -> "
        f"delivered {lufs:.2f} LUFS / {peak:.2f} dBTP ({chain})"
    )
    assert lufs == pytest.approx(TARGET, abs=1.0)
    assert peak <= MAX_TRUE_PEAK
    assert sample_rate(out) == 48000


def test_no_target_leaves_the_loudness_unchanged(sources: dict[str, Path], tmp_path: Path) -> None:
    source = sources["quiet"]
    before = measure(source, 0.5, 8.0, target=TARGET)
    assert before is not None
    graph = build_graph(None, out_w=320, out_h=180, audio_filter=audio_filter(None, before))
    assert graph.audio is None  # the encoder maps 0:a:0 as it is
    lufs, _ = measure_output(encode(source, 0.5, 8.0, graph, tmp_path / "asis.mp4"))
    assert lufs == pytest.approx(before.integrated, abs=0.5)
