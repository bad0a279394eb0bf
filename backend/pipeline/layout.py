"""The layout of one job's folder (DATA_DIR/jobs/<job id>/, or the CLI's --out), in one place::

source/source.<ext>            a video downloaded by yt-dlp
source/upload/<name>           an uploaded video, kept under its safe name
source/captions.vtt|.srt       source captions (downloaded, uploaded or copied)
transcript.json                {language, text, segments: [{start, end, text, words?}], source}
analysis.json                  the chosen moments and the exact criteria texts used
clips/clip_NN.mp4|.jpg|.srt|.vtt   rendered clips (NN = 01, 02, ... best score first)
clips/clip_NN-vK.*             the same clip re-rendered (version K; the row names the current one)
result.json                    the pipeline's result (asset paths relative to the folder)
clips.json                     the CLI's list of `Clip` objects
.stages/<stage>.json           completion record of each finished stage (resume/retry)
"""

from __future__ import annotations

from pathlib import Path

SOURCE_DIR = "source"
UPLOAD_DIR = f"{SOURCE_DIR}/upload"
CAPTION_NAMES = ("captions.vtt", "captions.srt")
TRANSCRIPT_FILE = "transcript.json"
ANALYSIS_FILE = "analysis.json"
CLIPS_DIR = "clips"
RESULT_FILE = "result.json"
CLIPS_JSON = "clips.json"
STAGES_DIR = ".stages"


def stage_record(job_dir: Path, stage: str) -> Path:
    return job_dir / STAGES_DIR / f"{stage}.json"
