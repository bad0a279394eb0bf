"""Fixtures shared by the pipeline tests (and reusable by the JobManager tests).

Media comes from `tests.media` (generated once per process). `RecordingReporter` is a real
implementation of the ProgressReporter protocol that keeps what it was told.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from backend.config import REPO_ROOT, Config
from backend.pipeline.cancel import CancelToken
from backend.pipeline.context import JobContext
from backend.pipeline.criteria import load_builtin_criteria
from backend.pipeline.options import JobOptions
from backend.pipeline.sources import Source
from tests.media import Talk, talk

# The plain clip: these tests are about the pipeline's stages; the Shorts render (a 1080x1920 encode
# per clip) has its own tests (test_shorts_render.py, test_reframe.py, ...).
PLAIN_RENDER = {"format": "original", "caption_style": "none", "hook_title": False, "loudness_target": None}
TEST_OPTIONS = JobOptions(
    min_clip_duration=8.0, max_clip_duration=25.0, max_clips=3, min_score=0.0, **PLAIN_RENDER
)


class RecordingReporter:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.events: list[tuple[str, Any]] = []
        self.progress_values: list[tuple[str, float]] = []
        self.warnings: list[str] = []
        self.meta: dict[str, Any] = {}

    def stage_started(self, stage: str) -> None:
        with self.lock:
            self.events.append(("started", stage))

    def progress(self, stage: str, fraction: float, message: str | None = None) -> None:
        with self.lock:
            self.progress_values.append((stage, fraction))

    def stage_completed(self, stage: str, skipped: bool = False) -> None:
        with self.lock:
            self.events.append(("skipped" if skipped else "completed", stage))

    def warning(self, message: str) -> None:
        with self.lock:
            self.warnings.append(message)

    def metadata(self, info: dict[str, Any]) -> None:
        with self.lock:
            self.meta.update(info)


@pytest.fixture(scope="session")
def talk_media() -> Talk:
    return talk()


@pytest.fixture
def pipeline_config(tmp_path: Path) -> Config:
    return Config(
        app_env="test",
        data_dir=tmp_path / "data",
        criteria_dir=REPO_ROOT / "criteria",
        render_concurrency=2,
        render_preset="ultrafast",
        openai_timeout=5.0,
        openai_max_retries=2,
    )


MakeCtx = Callable[..., JobContext]


@pytest.fixture
def make_ctx(tmp_path: Path, pipeline_config: Config, talk_media: Talk) -> MakeCtx:
    """Build a JobContext for the test talk; keyword overrides for source/options/config."""

    def build(
        source: Source | None = None,
        options: JobOptions = TEST_OPTIONS,
        config: Config | None = None,
        job_dir: Path | None = None,
        **kwargs: Any,
    ) -> JobContext:
        config = config or pipeline_config
        return JobContext(
            job_id="job-test",
            job_dir=job_dir or tmp_path / "job",
            source=source or Source(kind="file", path=talk_media.video, captions_path=talk_media.vtt),
            options=options,
            config=config,
            reporter=RecordingReporter(),
            criteria=load_builtin_criteria(config.criteria_dir),
            cancel=kwargs.pop("cancel", CancelToken()),
            **kwargs,
        )

    return build
