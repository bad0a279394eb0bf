"""Burned captions and the hook title never cover a face the layout shows (CONTRACTS §9), measured
on real footage of real people: each clip goes through the render stage's single encode, then
frames sampled across it are read with Tesseract (the burned words and their boxes) and with the
project's own face detector (the faces in the delivered frames); no word box may overlap a face box.
"""

from __future__ import annotations

import difflib
import math
import re
import shutil
import subprocess
from dataclasses import dataclass, replace
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
from backend.pipeline.result import RenderedClip
from backend.pipeline.shorts.ass import Scene, build_ass, subtitles_filter
from backend.pipeline.shorts.detector import load_detector
from backend.pipeline.shorts.fonts import caption_font
from backend.pipeline.shorts.graph import raise_top_panels, shown_faces
from backend.pipeline.shorts.plan import Box, Keyframe, ReframePlan, Shot
from backend.pipeline.shorts.render import ShortSpec
from backend.pipeline.stages.render import RenderInputs, render_clip
from backend.pipeline.transcript import Segment, Transcript, Word
from tests.conftest import make_config
from tests.real_footage import TWO_PEOPLE_SECONDS, one_then_two, talking_head, two_people

SPEECH = (
    "honestly the garden looks better every single morning because we water it before breakfast "
    "and nobody forgets the tomatoes"
)
TITLE = "Garden secrets revealed"
SAMPLES = 12  # frames read per clip, evenly spread
MIN_SIMILARITY = 0.75  # an OCR word counts when it is this close to a burned word
# Burned words read at ~96 % confidence; what Tesseract "reads" in eyes, hair and skin (a stray
# "awe" or "wey" that resembles "we") at 10-35 %.
MIN_CONFIDENCE = 60.0


@dataclass(frozen=True)
class Rect:
    x: float
    y: float
    w: float
    h: float

    def overlaps(self, other: Rect) -> bool:
        return min(self.x + self.w, other.x + other.w) > max(self.x, other.x) and min(
            self.y + self.h, other.y + other.h
        ) > max(self.y, other.y)


@dataclass
class Tally:
    frames: int = 0
    frames_with_text: int = 0
    text_boxes: int = 0
    face_boxes: int = 0
    overlaps: int = 0
    title_boxes: int = 0  # words only the title has
    titles_above_top_face: int = 0


def transcript(duration: float) -> Transcript:
    """SPEECH spread evenly over the clip (its words' times; the content is what gets burned)."""
    tokens = SPEECH.split()
    step = (duration - 0.2) / len(tokens)
    words = tuple(
        Word(round(0.1 + i * step, 3), round(0.1 + (i + 0.8) * step, 3), w) for i, w in enumerate(tokens)
    )
    return Transcript("en", [Segment(words[0].start, words[-1].end, SPEECH, words)], "captions")


def render(tmp_path: Path, video: Path, duration: float, **options: Any) -> tuple[Path, RenderedClip]:
    config: Config = make_config(tmp_path / "data", "sqlite://", render_preset="ultrafast")
    inputs = RenderInputs(
        job_dir=tmp_path / "job",
        media_path=video,
        media=ffmpeg.probe_media(video),
        transcript=transcript(duration),
        spec=ShortSpec.of(JobOptions(**options)),
        min_duration=1.0,
        max_duration=60.0,
        config=config,
        cancel=CancelToken(),
    )
    clip = render_clip(inputs, ClipCandidate(0.0, duration, 1.0, title=TITLE), 1, "c")
    return tmp_path / "job" / clip.video_path, clip


def _norm(text: str) -> str:
    return re.sub(r"[^a-z]", "", text.lower())


BURNED = {_norm(w) for w in (SPEECH + " " + TITLE).split()}
TITLE_ONLY = {_norm(w) for w in TITLE.split()} - {_norm(w) for w in SPEECH.split()}


def _like(text: str, words: set[str]) -> bool:
    word = _norm(text)
    if len(word) < 3:  # short fragments are what OCR "reads" in hair and shadows
        return False
    return any(difflib.SequenceMatcher(None, word, b).ratio() >= MIN_SIMILARITY for b in words)


@dataclass(frozen=True)
class Read:
    box: Rect
    title: bool  # a word only the title has


def ocr_words(rgb: np.ndarray, work: Path) -> list[Read]:
    """Boxes of the burned words Tesseract reads in the frame (sparse text, TSV output)."""
    if shutil.which("tesseract") is None:
        raise FileNotFoundError("OCR needs the Debian package tesseract-ocr (.ci/run installs it)")
    image = work / "frame.png"
    cv2.imwrite(str(image), cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR))
    out = subprocess.run(
        ["tesseract", str(image), "stdout", "--psm", "11", "tsv"],
        check=True,
        capture_output=True,
        text=True,
        timeout=120,
    ).stdout
    boxes = []
    for line in out.splitlines()[1:]:
        cols = line.split("\t")
        if (
            len(cols) == 12
            and cols[0] == "5"
            and float(cols[10]) >= MIN_CONFIDENCE
            and _like(cols[11], BURNED)
        ):
            left, top, width, height = (float(c) for c in cols[6:10])
            boxes.append(Read(Rect(left, top, width, height), _like(cols[11], TITLE_ONLY)))
    return boxes


def sampled_frames(video: Path, count: int) -> list[np.ndarray]:
    cap = cv2.VideoCapture(str(video))
    total = int(cap.get(cv2.CAP_PROP_FRAME_COUNT))
    wanted = {round(i * (total - 1) / (count - 1)) for i in range(count)}
    frames, index = [], 0
    while True:
        ok, frame = cap.read()
        if not ok:
            break
        if index in wanted:
            frames.append(cv2.cvtColor(frame, cv2.COLOR_BGR2RGB))
        index += 1
    cap.release()
    return frames


def measure(video: Path, work: Path) -> Tally:
    detector = load_detector()
    tally = Tally()
    for rgb in sampled_frames(video, SAMPLES):
        faces = [Rect(f.x, f.y, f.w, f.h) for f in detector.detect(rgb)]
        words = ocr_words(rgb, work)
        tally.frames += 1
        tally.frames_with_text += bool(words)
        tally.text_boxes += len(words)
        tally.face_boxes += len(faces)
        tally.overlaps += sum(1 for w in words for f in faces if w.box.overlaps(f))
        titles = [w.box for w in words if w.title]
        tally.title_boxes += len(titles)
        if faces:
            top_face = min(faces, key=lambda f: f.y)
            tally.titles_above_top_face += sum(1 for t in titles if t.y + t.h <= top_face.y)
    return tally


def _report(name: str, clip: RenderedClip, tally: Tally) -> None:
    print(
        f"\n{name}: layout={clip.layout} frames={tally.frames} frames_with_text={tally.frames_with_text} "
        f"text_boxes={tally.text_boxes} face_boxes={tally.face_boxes} overlaps={tally.overlaps} "
        f"title_boxes={tally.title_boxes} titles_above_top_face={tally.titles_above_top_face}"
    )


@pytest.mark.slow
def test_split_text_never_covers_either_speaker(tmp_path: Path) -> None:
    video, clip = render(tmp_path, two_people(tmp_path / "media"), TWO_PEOPLE_SECONDS, layout="split")
    tally = measure(video, tmp_path)
    _report("split, two real speakers", clip, tally)
    assert clip.layout == "split"
    assert tally.face_boxes >= 2 * tally.frames * 0.8, "both faces are found in the delivered frames"
    assert tally.frames_with_text >= tally.frames * 0.7, "OCR reads the burned words in most frames"
    assert tally.overlaps == 0
    assert tally.title_boxes >= 4, "the title is read in the frames of its first 3 s"
    assert tally.titles_above_top_face == tally.title_boxes, "the title sits above the top face"


@pytest.mark.slow
def test_crop_text_never_covers_the_face(tmp_path: Path) -> None:
    duration = float(ffmpeg.probe_media(talking_head()).duration)
    video, clip = render(tmp_path, talking_head(), duration, layout="crop")
    tally = measure(video, tmp_path)
    _report("crop, one real speaker", clip, tally)
    assert clip.layout == "crop"
    assert tally.face_boxes >= tally.frames * 0.8, "the face is found in the delivered frames"
    assert tally.frames_with_text >= tally.frames * 0.7, "OCR reads the burned words in most frames"
    assert tally.overlaps == 0


@pytest.mark.slow
def test_mixed_clip_text_never_covers_a_face_in_either_shot(tmp_path: Path) -> None:
    video, clip = render(tmp_path, one_then_two(tmp_path / "media"), 6.0)
    tally = measure(video, tmp_path)
    _report("mixed (one speaker, cut, two speakers)", clip, tally)
    assert clip.layout == "mixed" and [s["layout"] for s in clip.shots or []] == ["crop", "split"]
    assert tally.face_boxes >= tally.frames * 0.8
    assert tally.frames_with_text >= tally.frames * 0.7, "OCR reads the burned words in most frames"
    assert tally.overlaps == 0


# --- the placement itself, on libass renders of known face boxes (fast) -------------------------

W, H = 720, 1280
PLAIN = "color=c=0x203040"


def _words(duration: float) -> list[Word]:
    tokens = SPEECH.split()
    step = duration / len(tokens)
    return [Word(round(i * step, 3), round((i + 0.85) * step, 3), w) for i, w in enumerate(tokens)]


def _decoded(source: str, duration: float, vf: list[str]) -> list[np.ndarray]:
    spec = f"{source}:s={W}x{H}:r={FPS_CHECK}:d={duration}"
    args = ["ffmpeg", "-v", "error", "-f", "lavfi", "-i", spec]
    args += ["-vf", ",".join(["format=rgb24", *vf]), "-f", "rawvideo", "-pix_fmt", "rgb24", "-"]
    blocks = ffmpeg.stream_stdout(args, block_size=W * H * 3, timeout=120)
    return [np.frombuffer(b, np.uint8).reshape(H, W, 3) for b in blocks]


FPS_CHECK = 5


def burned_ink(
    tmp_path: Path, scenes: list[Scene], duration: float, title: str | None = TITLE
) -> list[np.ndarray]:
    """Per frame (FPS_CHECK a second), the pixels the captions and title changed."""
    doc = build_ass(
        _words(duration), style="highlight", width=W, height=H, title=title, duration=duration, scenes=scenes
    )
    path = tmp_path / "placed.ass"
    path.write_text(doc, encoding="utf-8")
    burned = _decoded(PLAIN, duration, [subtitles_filter(path, caption_font().path.parent)])
    plain = _decoded(PLAIN, duration, [])
    return [(a != b).any(2) for a, b in zip(burned, plain, strict=True)]


def _inked(mask: np.ndarray, box: Box) -> int:
    x0, y0 = max(0, int(box.x)), max(0, int(box.y))
    return int(mask[y0 : int(box.y + box.h), x0 : int(box.x + box.w)].sum())


def _rows(mask: np.ndarray) -> tuple[int, int]:
    rows = np.flatnonzero(mask.any(1))
    assert rows.size, "nothing was burned"
    return int(rows[0]), int(rows[-1])


def _assert_clear(masks: list[np.ndarray], scenes: list[Scene]) -> None:
    for i, mask in enumerate(masks):
        t = i / FPS_CHECK
        scene = next(s for s in reversed(scenes) if s.start <= t + 1e-6)
        covered = [_inked(mask, face) for face in scene.faces]
        assert not any(covered), f"frame at {t:.1f} s: {covered} burned pixels on the faces {scene.faces}"
        if mask.any():
            top, bottom = _rows(mask)
            assert top >= math.ceil(0.15 * H) and bottom < math.floor(0.80 * H), "inside the safe area"


SPLIT_FACES = (Box(260, 330, 200, 200), Box(260, 760, 200, 200))


def test_split_captions_sit_on_the_seam_and_the_title_above_the_top_face(tmp_path: Path) -> None:
    scenes = [Scene(0.0, 5.0, SPLIT_FACES, seam=H // 2)]
    masks = burned_ink(tmp_path, scenes, 5.0)
    _assert_clear(masks, scenes)
    top_face = SPLIT_FACES[0]
    first = masks[1]  # title and captions both up
    title_rows = _rows(first[: int(top_face.y)])
    assert title_rows[0] >= math.ceil(0.15 * H), "the title is in the safe area"
    assert _inked(first, Box(0, top_face.y, W, top_face.h)) == 0
    assert title_rows[1] < top_face.y, "the title sits above the top face"
    for mask in masks[FPS_CHECK * 3 + 1 :]:  # after the hook: captions only
        if mask.any():
            top, bottom = _rows(mask)
            assert top < H // 2 < bottom, f"a caption page ({top}-{bottom}) straddles the seam"
            assert abs((top + bottom) / 2 - H // 2) < 0.06 * W, (top, bottom)


def test_crop_captions_move_above_a_low_face_and_stay_down_under_a_high_one(tmp_path: Path) -> None:
    low = Box(200, 700, 320, 340)  # where the captions would sit (bottom of the safe area)
    high = Box(200, 330, 320, 340)
    scenes = [Scene(0.0, 2.0, (low,)), Scene(2.0, 4.0, (high,))]
    masks = burned_ink(tmp_path, scenes, 4.0, title=None)
    _assert_clear(masks, scenes)
    lows = [_rows(m) for m in masks[: 2 * FPS_CHECK] if m.any()]
    highs = [_rows(m) for m in masks[2 * FPS_CHECK + 1 :] if m.any()]
    assert lows and highs
    assert all(bottom < low.y for _, bottom in lows), "captions go above the face that fills the bottom"
    assert all(top > high.y + high.h for top, _ in highs), "captions stay below a face high in the frame"


def test_title_is_left_out_rather_than_burned_over_a_face_filling_the_frame(tmp_path: Path) -> None:
    huge = Box(60, 340, 600, 800)  # leaves one caption slot above it, no room for a title too
    scenes = [Scene(0.0, 2.0, (huge,))]
    doc = build_ass(
        _words(2.0), style="highlight", width=W, height=H, title=TITLE, duration=2.0, scenes=scenes
    )
    assert "Title" not in [line.split(",")[3] for line in doc.splitlines() if line.startswith("Dialogue:")]
    _assert_clear(burned_ink(tmp_path, scenes, 2.0), scenes)


def test_captions_shrink_into_a_narrow_band_above_a_close_up(tmp_path: Path) -> None:
    close_up = Box(60, 370, 600, 700)  # leaves 108 px above its margin: less than a full 2-line page
    scenes = [Scene(0.0, 2.0, (close_up,))]
    doc = build_ass(
        _words(2.0), style="highlight", width=W, height=H, title=None, duration=2.0, scenes=scenes
    )
    full = round(0.07 * W)
    sizes = {int(m) for m in re.findall(r"\\fs(\d+)", doc)}
    assert sizes and all(0.6 * full <= size < full for size in sizes), (sizes, full)
    masks = burned_ink(tmp_path, scenes, 2.0, title=None)
    _assert_clear(masks, scenes)
    assert all(
        _rows(m)[1] < close_up.y - 0.1 * close_up.h for m in masks if m.any()
    ), "clear of the margin too"


def test_without_scenes_the_captions_keep_their_default_place() -> None:
    plain = build_ass(_words(2.0), style="clean", width=W, height=H, title=TITLE, duration=2.0)
    empty = build_ass(
        _words(2.0), style="clean", width=W, height=H, title=TITLE, duration=2.0, scenes=[Scene(0.0, 2.0)]
    )
    assert plain == empty


# --- face boxes through each layout, into the output frame ------------------------------------


def _plan(*shots: Shot) -> ReframePlan:
    return ReframePlan(1280, 720, 6.0, shots)


def test_shown_faces_follow_the_split_panels() -> None:
    faces = (Box(200, 100, 100, 100), Box(900, 400, 120, 120))
    panels = (Box(100, 0, 400, 355.5), Box(800, 300, 400, 355.5))
    shot = Shot(0.0, 6.0, "split", panels=panels, face_boxes=faces)
    shown = shown_faces(shot, _plan(shot), 1080, 1920)
    # each face in its own panel (the other face is outside it), scaled 1080/400 = 2.7
    assert [(round(b.x), round(b.y), round(b.w), round(b.h)) for b in shown] == [
        (270, 270, 270, 270),
        (270, 960 + 270, 324, 324),
    ]


def test_shown_faces_widen_with_a_moving_crop_window() -> None:
    face = Box(500, 200, 100, 120)
    still = Shot(0.0, 6.0, "crop", crop_w=405, crop_h=720, path=(Keyframe(0.0, 400, 0),), face_boxes=(face,))
    moving = replace(still, path=(Keyframe(0.0, 380, 0), Keyframe(6.0, 420, 0)))
    gone = replace(still, face_boxes=(Box(1100, 200, 100, 120),))
    (box,) = shown_faces(still, _plan(still), 1080, 1920)
    scale = 1080 / 404  # the window is made even; it is the source's full height
    assert (box.x, box.y, box.w, box.h) == pytest.approx((100 * scale, 200 * 1920 / 720, 100 * scale, 320))
    (wide,) = shown_faces(moving, _plan(moving), 1080, 1920)
    assert (wide.x, wide.x + wide.w) == pytest.approx((80 * scale, 220 * scale))
    assert shown_faces(gone, _plan(gone), 1080, 1920) == []


def test_top_panel_is_raised_to_make_room_for_the_title_above_its_face() -> None:
    faces = (Box(200, 200, 100, 100), Box(900, 400, 100, 100))
    panels = (Box(50, 120, 400, 260), Box(750, 320, 400, 260))  # each face centred in its panel
    early = Shot(0.0, 4.0, "split", panels=panels, face_boxes=faces)
    late = replace(early, start=4.0, end=6.0)
    plan = _plan(early, late)

    def margin_rows(shot: Shot, of: ReframePlan) -> tuple[float, float]:
        face = shown_faces(shot, of, 1080, 1920)[0]
        return face.y - 0.1 * face.h, face.y + 1.1 * face.h

    assert margin_rows(early, plan)[0] < 350
    raised = raise_top_panels(plan, 1080, 1920, below=350, margin=0.1, keep=100, until=3.0)
    first, second = raised.shots
    assert 350 <= margin_rows(first, raised)[0] < 360
    assert first.panels[1] == panels[1] and second == late, "only the top panel, only under the title"
    # asked for more than the panel has: the face stops short of the captions' half on the seam
    (far,) = raise_top_panels(_plan(early), 1080, 1920, below=700, margin=0.1, keep=100, until=3.0).shots
    assert 850 <= margin_rows(far, _plan(far))[1] <= 960 - 100
    # a panel near the source's top: raised to the edge, no further
    near_top = replace(
        early, panels=(Box(50, 30, 400, 260), panels[1]), face_boxes=(Box(200, 110, 100, 100),)
    )
    (clamped,) = raise_top_panels(
        _plan(near_top), 1080, 1920, below=450, margin=0.1, keep=100, until=3.0
    ).shots
    assert clamped.panels[0].y == 0.0


def test_a_top_panel_framed_tight_on_a_small_face_zooms_out_to_fit_the_title_above_it() -> None:
    # Each split panel is framed on its own face: this one shows a 100-row face 480 rows tall,
    # taller (with its margins) than the 400 rows between the title and the captions' half.
    below, keep, seam = 466.0, 94.0, 960
    face = Box(250, 300, 100, 100)
    tight = Box(187.5, 250, 225, 200)
    other = Box(750, 320, 400, 355.5)
    shot = Shot(0.0, 6.0, "split", panels=(tight, other), face_boxes=(face, Box(900, 400, 120, 120)))

    def top_face(of: Shot) -> Box:
        return shown_faces(of, _plan(of), 1080, 1920)[0]

    before = top_face(shot)
    assert before.h * 1.2 > seam - keep - below
    (raised,) = raise_top_panels(_plan(shot), 1080, 1920, below=below, margin=0.1, keep=keep, until=3.0).shots
    after = top_face(raised)
    assert after.y - 0.1 * after.h >= below, "the title fits above the face's margin"
    assert after.y + 1.1 * after.h <= seam - keep, "the captions' half on the seam stays clear"
    assert after.h < before.h
    zoomed = raised.panels[0]
    assert zoomed.w / zoomed.h == pytest.approx(tight.w / tight.h), "the panel keeps its shape"
    assert zoomed.x + zoomed.w / 2 == pytest.approx(tight.x + tight.w / 2), "still centred on its face"
    assert raised.panels[1] == other
    # at the source's top edge a larger crop would draw the face higher still: no zoom, no title room
    high = replace(shot, panels=(Box(187.5, 0, 225, 200), other), face_boxes=(Box(250, 40, 100, 100),))
    (kept,) = raise_top_panels(_plan(high), 1080, 1920, below=below, margin=0.1, keep=keep, until=3.0).shots
    assert (kept.panels[0].w, kept.panels[0].h) == (225, 200)


def test_shown_faces_in_fit_are_scaled_into_the_sharp_frame() -> None:
    shot = Shot(0.0, 6.0, "fit", face_boxes=(Box(640, 360, 128, 72),))
    (box,) = shown_faces(shot, _plan(shot), 1080, 1920)
    # 1280x720 fitted to 1080x608 at y = 656
    assert (box.x, box.y, box.w, box.h) == pytest.approx((540, 656 + 360 * 608 / 720, 108, 72 * 608 / 720))
