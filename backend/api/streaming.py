"""Clip media streamed from the bucket through the API (STORAGE_BACKEND=s3), with Range support.

The answers match what `send_file(conditional=True)` gives for a local file: 200 with the whole
object, 206 with `Content-Range` for one byte range, 416 for a range outside of it, 304 for a
matching If-None-Match. Only the requested bytes are read from the bucket, as they are sent.
"""

from __future__ import annotations

import time

from flask import Response, request
from werkzeug.exceptions import RequestedRangeNotSatisfiable

from backend.errors import NotFound
from backend.services.clips import MediaFile
from backend.services.objects import ObjectStore, StoredObject


def send_object(store: ObjectStore, media: MediaFile, attachment: bool) -> Response:
    obj = media.stored
    assert obj is not None
    etag = obj.etag.strip('"')
    if etag and request.if_none_match.contains(etag):
        return _headers(Response(status=304), media, obj, attachment)
    span = _span(obj)
    if obj.size == 0:
        return _headers(Response(b"", mimetype=media.mimetype), media, obj, attachment)
    start, end = span if span is not None else (0, obj.size - 1)
    stream = store.open_range(obj.key, start, end)
    if stream is None:
        raise NotFound("The file is not available.")
    response = Response(stream.chunks(), status=206 if span else 200, mimetype=media.mimetype,
                        direct_passthrough=True)  # fmt: skip
    response.call_on_close(stream.close)  # a HEAD request or a client gone mid-way
    response.content_length = end - start + 1
    if span is not None:
        response.headers["Content-Range"] = f"bytes {start}-{end}/{obj.size}"
    return _headers(response, media, obj, attachment)


def _span(obj: StoredObject) -> tuple[int, int] | None:
    """The one byte range asked for (inclusive ends); None for the whole object."""
    wanted = request.range
    if wanted is None or not _if_range_holds(obj):
        return None
    found = wanted.range_for_length(obj.size)
    if found is None:
        raise RequestedRangeNotSatisfiable(length=obj.size)
    return found[0], found[1] - 1


def _if_range_holds(obj: StoredObject) -> bool:
    """If-Range with another version's ETag: the client gets the whole new version instead."""
    condition = request.if_range
    if condition.etag is None:
        return True
    return condition.etag == obj.etag.strip('"')


def _headers(response: Response, media: MediaFile, obj: StoredObject, attachment: bool) -> Response:
    response.headers["Accept-Ranges"] = "bytes"
    response.headers.set("Content-Disposition", "attachment" if attachment else "inline",
                         filename=media.download_name)  # fmt: skip
    response.last_modified = obj.last_modified
    if obj.etag:
        response.set_etag(obj.etag.strip('"'))
    response.cache_control.no_cache = True
    response.cache_control.max_age = 0
    response.expires = int(time.time())  # type: ignore[assignment]
    return response
