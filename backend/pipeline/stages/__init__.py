"""The pipeline's stages, in order. Each is small, has one signature and is testable alone."""

from backend.pipeline.stages.analyze import AnalyzeStage
from backend.pipeline.stages.base import PipelineState, Stage
from backend.pipeline.stages.download import DownloadStage
from backend.pipeline.stages.finalize import FinalizeStage
from backend.pipeline.stages.render import RenderStage
from backend.pipeline.stages.transcribe import TranscribeStage


def default_stages() -> list[Stage]:
    return [DownloadStage(), TranscribeStage(), AnalyzeStage(), RenderStage(), FinalizeStage()]


__all__ = [
    "AnalyzeStage",
    "DownloadStage",
    "FinalizeStage",
    "PipelineState",
    "RenderStage",
    "Stage",
    "TranscribeStage",
    "default_stages",
]
