"""The stage registry: every pipeline stage is one `StageSpec` here plus its module.

The job's `stage` enum (models, API, the dashboard's generated types), the progress bands, the
CLI's labels and each job's stage list all derive from `STAGES`. A job's processor is assembled
per job from its options (`build_stages`), so optional stages attach only where they apply.
This module stays import-light (the models import it): stage classes load on first use.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from backend.pipeline.options import JobOptions
    from backend.pipeline.stages.base import Stage

Band = tuple[float, float]


def _always(_options: JobOptions) -> bool:
    return True


@dataclass(frozen=True)
class StageSpec:
    name: str  # the job's `stage` while it runs
    label: str  # what the CLI and the dashboard call it
    weight: float  # share of the job's 0-100 progress
    # "module:Class" of the stage, imported when a job needs it; None: a step of the job after
    # the pipeline (its clips stored), run by the lifecycle rather than the processor.
    factory: str | None
    applies: Callable[[JobOptions], bool] = _always

    def create(self) -> Stage:
        assert self.factory is not None, f"{self.name} is not a pipeline stage"
        module, _, attribute = self.factory.partition(":")
        stage: Stage = getattr(importlib.import_module(module), attribute)()
        return stage


STAGES: tuple[StageSpec, ...] = (
    StageSpec("downloading", "Download", 20, "backend.pipeline.stages.download:DownloadStage"),
    StageSpec("transcribing", "Transcribe", 40, "backend.pipeline.stages.transcribe:TranscribeStage"),
    StageSpec("analyzing", "Analyze", 20, "backend.pipeline.stages.analyze:AnalyzeStage"),
    StageSpec("rendering", "Render", 20, "backend.pipeline.stages.render:RenderStage"),
    StageSpec("finalizing", "Finalize", 0, "backend.pipeline.stages.finalize:FinalizeStage"),
)
STAGE_NAMES: tuple[str, ...] = tuple(spec.name for spec in STAGES)
LABELS: dict[str, str] = {spec.name: spec.label for spec in STAGES}


def specs_for(options: JobOptions, registry: tuple[StageSpec, ...] = STAGES) -> list[StageSpec]:
    return [spec for spec in registry if spec.applies(options)]


def build_stages(options: JobOptions, registry: tuple[StageSpec, ...] = STAGES) -> list[Stage]:
    return [spec.create() for spec in specs_for(options, registry) if spec.factory is not None]


def bands_for(specs: list[StageSpec]) -> dict[str, Band]:
    """Each stage's slice of 0-100, in proportion to its weight among this job's stages."""
    total = sum(spec.weight for spec in specs) or 1.0
    bands, low = {}, 0.0
    for spec in specs:
        high = low + 100.0 * spec.weight / total
        bands[spec.name] = (round(low, 6), round(high, 6))
        low = high
    return bands


def overall_progress(bands: dict[str, Band], stage: str, fraction: float) -> float:
    low, high = bands.get(stage, (0.0, 100.0))
    return round(low + (high - low) * min(max(fraction, 0.0), 1.0), 2)


__all__: list[Any] = ["STAGES", "STAGE_NAMES", "StageSpec", "bands_for", "build_stages", "overall_progress"]
