"""The upload body for googleapiclient's resumable protocol, read from a file chunk by chunk.

Not `MediaFileUpload`: for stream uploads (`has_stream()` True) googleapiclient re-sends an
*empty* body when it retries a chunk after a 5xx. A `MediaUpload` without a stream is asked
for its bytes with `getbytes(offset, length)` on every attempt, so a retry sends the real
bytes, reading one chunk at a time (bench/upload.py measures the RSS: see the README).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

from googleapiclient.http import MediaUpload

CHUNK_SIZE = 8 * 1024 * 1024  # a multiple of 256 KiB, as the resumable protocol requires


class FileChunks(MediaUpload):  # type: ignore[misc]
    def __init__(self, path: Path, mimetype: str = "video/mp4", chunksize: int = CHUNK_SIZE) -> None:
        if chunksize <= 0 or chunksize % (256 * 1024):
            raise ValueError("chunksize must be a positive multiple of 256 KiB")
        self._path = Path(path)
        self._mimetype = mimetype
        self._chunksize = chunksize
        self._size = os.path.getsize(self._path)
        # Called before bytes are read for a chunk: after the session was initiated, before the
        # first chunk is sent (the uploader stores the session URI there).
        self.before_read: Callable[[], None] | None = None

    def chunksize(self) -> int:
        return self._chunksize

    def mimetype(self) -> str:
        return self._mimetype

    def size(self) -> int:
        return self._size

    def resumable(self) -> bool:
        return True

    def has_stream(self) -> bool:
        return False

    def getbytes(self, begin: int, length: int) -> bytes:
        if self.before_read is not None:
            self.before_read()
        with self._path.open("rb") as handle:
            handle.seek(begin)
            return handle.read(length)

    def to_json(self) -> str:  # never pickled or serialised: the session URI is what we store
        raise NotImplementedError
