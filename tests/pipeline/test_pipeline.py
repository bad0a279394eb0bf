"""Stages alone and the whole pipeline: (a) yt-dlp from a local page, (b) local file + captions,
(c) Whisper with a tiny random model; plus resume/skip, cancel and the CLI."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from backend.cli import process_command
from backend.config import REPO_ROOT
from backend.pipeline import ffmpeg, whisper
from backend.pipeline.errors import DownloadError, JobCancelled
from backend.pipeline.options import JobOptions
from backend.pipeline.processor import VideoProcessor
from backend.pipeline.sources import Source
from backend.pipeline.stages import render as render_module
from backend.pipeline.stages.analyze import AnalyzeStage
from backend.pipeline.stages.base import PipelineState
from backend.pipeline.stages.download import DownloadStage
from backend.pipeline.stages.render import RenderStage, render_clip
from backend.pipeline.stages.transcribe import TranscribeStage
from tests.media import Talk, serve_directory, tiny_whisper_model, video_page
from tests.pipeline.checks import assert_valid_clips
from tests.pipeline.conftest import TEST_OPTIONS, MakeCtx


def _overlap(a: tuple[float, float], b: tuple[float, float]) -> float:
    return max(0.0, min(a[1], b[1]) - max(a[0], b[0]))


def test_stages_alone(make_ctx: MakeCtx, talk_media: Talk) -> None:
    ctx = make_ctx()
    state = PipelineState()
    DownloadStage().run(ctx, state)
    assert state.media is not None and state.captions_path is not None
    assert ctx.reporter.meta["duration"] == pytest.approx(talk_media.duration, abs=0.1)

    record = TranscribeStage().run(ctx, state)
    data = json.loads((ctx.job_dir / record["path"]).read_text())
    assert data["source"] == "captions" and len(data["segments"]) == len(talk_media.cues)

    AnalyzeStage().run(ctx, state)
    best = state.candidates[0]
    viral = talk_media.viral
    assert (
        _overlap((best.start, best.end), viral) >= (viral[1] - viral[0]) / 2
    ), "local ranker missed the viral part"
    assert "viral_hooks" in best.criteria_matched and "Strongest signals" in best.reasoning
    assert state.analysis_meta["model"] == "local-ranker-v1"
    assert {c["name"] for c in state.analysis_meta["criteria"]} >= {"viral_hooks"}

    state.candidates = state.candidates[:1]
    clip = render_clip(RenderStage.inputs(ctx, state), state.candidates[0], 1, "clip_01")
    assert (ctx.job_dir / clip.video_path).stat().st_size == clip.file_size
    assert (clip.width, clip.height, clip.format) == (320, 180, "original")


def test_b_local_file_with_captions_then_resume(make_ctx: MakeCtx, talk_media: Talk) -> None:
    ctx = make_ctx()
    result = VideoProcessor(ctx.config).run(ctx)
    assert_valid_clips(result, ctx.job_dir, 8.0, 25.0, source=talk_media.video)
    assert result.transcript.source == "captions" and result.analysis_meta["prompt_sha256"]
    saved = json.loads((ctx.job_dir / "result.json").read_text())
    assert saved["clips"][0]["video_path"] == "clips/clip_01.mp4"
    fractions = [f for stage, f in ctx.reporter.progress_values if stage == "rendering"]
    assert fractions[-1] == 1.0

    again = make_ctx(job_dir=ctx.job_dir)
    assert VideoProcessor(again.config).run(again) == result
    assert {s for kind, s in again.reporter.events if kind == "skipped"} == {
        "downloading",
        "transcribing",
        "analyzing",
        "rendering",
        "finalizing",
    }

    (ctx.job_dir / "analysis.json").unlink()  # a lost output re-runs that stage and every later one
    third = make_ctx(job_dir=ctx.job_dir)
    VideoProcessor(third.config).run(third)
    assert [s for kind, s in third.reporter.events if kind == "completed"] == [
        "analyzing",
        "rendering",
        "finalizing",
    ]


@pytest.mark.slow
def test_a_ytdlp_from_local_page_with_track(
    make_ctx: MakeCtx, pipeline_config, tmp_path: Path, talk_media: Talk
) -> None:
    video_page(tmp_path / "site", talk_media.video, talk_media.vtt)
    with serve_directory(tmp_path / "site") as base:
        config = pipeline_config.with_overrides(allowed_source_hosts=(base.removeprefix("http://"),))
        ctx = make_ctx(source=Source(kind="url", url=f"{base}/index.html"), config=config)
        result = VideoProcessor(config).run(ctx)
    assert result.source.title.startswith("Garden talk")
    assert result.transcript.source == "captions" and result.transcript.language == "en"
    assert (ctx.job_dir / "source" / "source.mp4").is_file()
    assert [f for s, f in ctx.reporter.progress_values if s == "downloading"][-1] == 1.0
    assert_valid_clips(result, ctx.job_dir, 8.0, 25.0, source=talk_media.video)


def test_download_limits(make_ctx: MakeCtx, pipeline_config, tmp_path: Path, talk_media: Talk) -> None:
    video_page(tmp_path / "site", talk_media.video, talk_media.vtt)
    with serve_directory(tmp_path / "site") as base:
        host = base.removeprefix("http://")
        small = pipeline_config.with_overrides(allowed_source_hosts=(host,), max_source_bytes=50_000)
        with pytest.raises(DownloadError, match="MAX_SOURCE_BYTES"):
            VideoProcessor(small).run(
                make_ctx(source=Source(kind="url", url=f"{base}/index.html"), config=small)
            )
        short = pipeline_config.with_overrides(allowed_source_hosts=(host,), max_source_duration=30)
        with pytest.raises(DownloadError, match="MAX_SOURCE_DURATION"):
            VideoProcessor(short).run(
                make_ctx(
                    source=Source(kind="url", url=f"{base}/index.html"), config=short, job_dir=tmp_path / "j2"
                )
            )
        with pytest.raises(DownloadError, match="ALLOWED_SOURCE_HOSTS"):
            VideoProcessor(pipeline_config).run(
                make_ctx(source=Source(kind="url", url=f"{base}/index.html"), job_dir=tmp_path / "j3")
            )


@pytest.mark.slow
def test_c_whisper_with_tiny_random_model(make_ctx: MakeCtx, talk_media: Talk) -> None:
    model = str(tiny_whisper_model())
    options = JobOptions(
        whisper_model=model,
        language="en",
        use_source_captions=False,
        min_clip_duration=3.0,
        max_clip_duration=25.0,
        max_clips=2,
    )
    ctx = make_ctx(source=Source(kind="file", path=talk_media.video), options=options)
    loads = whisper.LOAD_COUNT["loads"]
    try:
        result = VideoProcessor(ctx.config).run(ctx)
    except Exception as exc:  # random weights may yield no usable window: still a typed, clear error
        assert type(exc).__name__ == "AnalysisError", exc
        result = None
    data = json.loads((ctx.job_dir / "transcript.json").read_text())
    assert data["source"] == "whisper" and isinstance(data["text"], str) and data["language"] == "en"
    for seg in data["segments"]:
        assert 0 <= seg["start"] <= seg["end"] <= talk_media.duration + 0.5
        assert all(w["start"] <= w["end"] for w in seg.get("words", []))
    progress = [f for s, f in ctx.reporter.progress_values if s == "transcribing"]
    assert progress == sorted(progress) and progress[-1] == 1.0
    if result is not None:
        assert result.transcript.source == "whisper"
    cached = list((ctx.config.data_dir / "cache" / "transcripts").glob("*.json"))
    assert len(cached) == 1
    # A second job on the same source: no new model load and no second transcription (cache).
    second = make_ctx(
        source=Source(kind="file", path=talk_media.video),
        options=options,
        job_dir=ctx.job_dir.parent / "job2",
    )
    TranscribeStage().run(second, _downloaded(second))
    assert whisper.LOAD_COUNT["loads"] == loads + 1
    assert any(f == 1.0 for s, f in second.reporter.progress_values)


def _downloaded(ctx) -> PipelineState:
    state = PipelineState()
    DownloadStage().run(ctx, state)
    return state


def test_unloadable_whisper_model_says_how_to_fix(
    make_ctx: MakeCtx, tmp_path: Path, talk_media: Talk
) -> None:
    options = JobOptions(whisper_model=str(tmp_path / "no-model"), use_source_captions=False)
    ctx = make_ctx(source=Source(kind="file", path=talk_media.video), options=options)
    with pytest.raises(Exception, match="WHISPER_MODEL") as info:
        VideoProcessor(ctx.config).run(ctx)
    assert type(info.value).__name__ == "TranscriptionError"


def test_cancel_during_render_stops_quickly(make_ctx: MakeCtx, monkeypatch: pytest.MonkeyPatch) -> None:
    ctx = make_ctx(options=JobOptions(min_clip_duration=8.0, max_clip_duration=25.0, max_clips=3))

    real_run = ffmpeg.run

    def cancel_mid_encode(args, **kw):  # the cancel arrives while an encode is running
        if "libx264" in args:
            threading.Timer(0.3, ctx.cancel.cancel).start()
        return real_run(args, **kw)

    monkeypatch.setattr(render_module.ffmpeg, "run", cancel_mid_encode)
    with pytest.raises(JobCancelled):
        VideoProcessor(ctx.config).run(ctx)
    assert not list((ctx.job_dir / "clips").glob("*.mp4"))


def test_cli_process_json(tmp_path: Path, talk_media: Talk, capsys, monkeypatch) -> None:
    monkeypatch.setenv("DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("RENDER_PRESET", "ultrafast")
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    video = tmp_path / "talk.mp4"
    video.symlink_to(talk_media.video)
    (tmp_path / "talk.vtt").symlink_to(talk_media.vtt)  # picked up as sibling captions
    out = tmp_path / "out"
    code = process_command(
        [
            str(video),
            "--out",
            str(out),
            "--max-clips",
            "2",
            "--min-duration",
            "8",
            "--max-duration",
            "25",
            "--criteria",
            "viral_hooks",
            "--json",
        ]
    )
    captured = capsys.readouterr()
    assert code == 0, captured.err
    clips = json.loads(captured.out)
    assert clips == json.loads((out / "clips.json").read_text())
    assert len(clips) == 2 and all((out / c["assets"]["video_url"]).is_file() for c in clips)
    assert clips[0]["criteria_matched"] == ["viral_hooks"] and "[rendering] done" in captured.err


def test_cli_errors_are_one_line(tmp_path: Path, capsys) -> None:
    assert process_command([str(tmp_path / "missing.mp4")]) == 2
    assert capsys.readouterr().err.strip().count("\n") == 0
    assert process_command(["https://evil.example.com/v.mp4"]) == 2
    assert "ALLOWED_SOURCE_HOSTS" in capsys.readouterr().err
    bad = tmp_path / "bad.mp4"
    bad.write_text("nope")
    assert process_command([str(bad), "--out", str(tmp_path / "o")]) == 1
    err = capsys.readouterr().err
    first, second = err.splitlines()[:2]
    # The first line names the face detector (a fallback would say so), then the stages run.
    assert first.startswith("Viral Clipper ") and "face detector: blazeface" in first, first
    assert second.startswith("[downloading] started") and err.strip().splitlines()[-1].startswith("error: ")


@pytest.mark.slow
def test_cli_as_subprocess(tmp_path: Path, talk_media: Talk) -> None:
    code = "import sys; from backend.cli import process_command; " "sys.exit(process_command(sys.argv[1:]))"
    env = {
        "PATH": "/usr/bin:/bin",
        "DATA_DIR": str(tmp_path / "data"),
        "RENDER_PRESET": "ultrafast",
        "HOME": str(tmp_path),
    }
    proc = subprocess.run(
        [
            sys.executable,
            "-c",
            code,
            str(talk_media.video),
            "--captions",
            str(talk_media.srt),
            "--out",
            str(tmp_path / "out"),
            "--max-clips",
            "1",
            "--min-duration",
            "8",
            "--max-duration",
            "25",
        ],
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == "" and "clips written" in proc.stderr
    assert TEST_OPTIONS.max_clips == 3
