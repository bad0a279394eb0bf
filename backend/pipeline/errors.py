"""The pipeline's typed errors: `str(err)` is a message a user can act on; `stage` names where."""

from __future__ import annotations


class PipelineError(Exception):
    """Base of the typed pipeline errors; `str(err)` is a message a user can act on."""

    stage: str = "pipeline"


class DownloadError(PipelineError):
    stage = "downloading"


class TranscriptionError(PipelineError):
    stage = "transcribing"


class AnalysisError(PipelineError):
    stage = "analyzing"


class RenderError(PipelineError):
    stage = "rendering"


class JobCancelled(PipelineError):
    """Raised at the next cancel check after a cancel was requested."""
