"""What STORAGE_BACKEND=s3 costs a job, against a real S3 server (SeaweedFS on loopback).

Prints the median wall time of the whole pipeline (download → finalize, plain clips) with local
storage and with the bucket (every stage's outputs and record uploaded before the stage counts
as done), the bytes stored, and a resume on an empty disk: every stage restored from the bucket
(its files fetched) instead of recomputed.
Run: .venv/bin/python bench/storage_s3.py [rounds]
"""

from __future__ import annotations

import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from backend.config import Config
from backend.pipeline.context import JobContext
from backend.pipeline.options import JobOptions
from backend.pipeline.processor import VideoProcessor
from backend.pipeline.sources import Source
from backend.services import storage
from backend.services.objects import ObjectStore, job_prefix
from tests.media import talk
from tests.pipeline.conftest import RecordingReporter
from tests.storage.weed import s3_config, seaweedfs

OPTIONS = JobOptions(
    min_clip_duration=5,
    max_clip_duration=20,
    max_clips=2,
    format="original",
    caption_style="none",
    hook_title=False,
    loudness_target=None,
)


def run_job(config: Config, job_id: str, media: Path, captions: Path) -> tuple[float, RecordingReporter]:
    """One job from an upload in its folder (as the API leaves it); wall seconds and its events."""
    folder = storage.job_dir(config, job_id)
    upload = folder / "source" / "upload" / "talk.mp4"
    if not upload.exists() and not (config.uses_bucket and storage.uploaded_source(config, job_id)):
        upload.parent.mkdir(parents=True)
        shutil.copyfile(media, upload)
        shutil.copyfile(captions, folder / "source" / "captions.vtt")
        storage.put_files(config, job_id, ["source/upload/talk.mp4", "source/captions.vtt"])
    started = time.perf_counter()
    source = Source("file", path=upload, captions_path=folder / "source" / "captions.vtt")
    storage.fetch_files(config, job_id, [source.path, source.captions_path])
    reporter = RecordingReporter()
    ctx = JobContext(
        job_id, folder, source, OPTIONS, config, reporter, remote=storage.remote_files(config, job_id)
    )
    VideoProcessor(config).run(ctx)
    return time.perf_counter() - started, reporter


def main(rounds: int = 3) -> None:
    work = Path(tempfile.mkdtemp(prefix="bench-s3-"))
    media = talk()
    try:
        with seaweedfs(work) as endpoint:
            bucketed = s3_config(endpoint, "bench-jobs").with_overrides(data_dir=work / "s3-data")
            ObjectStore(bucketed).create_bucket()
            local = Config(data_dir=work / "local-data")
            local_runs, s3_runs = [], []
            for n in range(rounds):  # alternated: other load on a shared machine hits both alike
                job_id = f"00000000-0000-4000-8000-{n:012d}"
                local_runs.append(run_job(local, job_id, media.video, media.vtt)[0])
                s3_runs.append(run_job(bucketed, job_id, media.video, media.vtt)[0])
            store = ObjectStore(bucketed)
            stored = store.list_prefix(job_prefix(job_id))
            shutil.rmtree(storage.job_dir(bucketed, job_id))  # another worker, empty disk
            resumed, reporter = run_job(bucketed, job_id, media.video, media.vtt)
            skipped = [stage for kind, stage in reporter.events if kind == "skipped"]
    finally:
        shutil.rmtree(work, ignore_errors=True)
    local_s, s3_s = statistics.median(local_runs), statistics.median(s3_runs)
    print(f"job, local storage:     {local_s:.2f} s (median of {rounds})")
    print(f"job, s3 (SeaweedFS):    {s3_s:.2f} s  (x{s3_s / local_s:.2f}, +{s3_s - local_s:.2f} s)")
    print(f"stored per job:         {len(stored)} objects, {sum(o.size for o in stored) / 1e6:.2f} MB")
    print(f"resume on empty disk:   {resumed:.2f} s, stages restored from the bucket: {', '.join(skipped)}")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 3)
