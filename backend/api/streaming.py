"""Clip media streamed from the bucket through the API (STORAGE_BACKEND=s3), with Range support.

One Range implementation for local files and the bucket: Werkzeug's `make_conditional`, which
`send_file(conditional=True)` applies to a local file, decides here too (200, 206 with
`Content-Range`, 416 for a range it cannot serve, 304 for a matching If-None-Match, If-Range), so
both backends answer every request alike. Only the bytes it chose are then read from the bucket,
as they are sent.
"""

from __future__ import annotations

import time

from flask import Response, request

from backend.errors import NotFound
from backend.services.clips import MediaFile
from backend.services.objects import ObjectStore, StoredObject


def send_object(store: ObjectStore, media: MediaFile, attachment: bool) -> Response:
    obj = media.stored
    assert obj is not None
    response = _headers(Response(status=200, mimetype=media.mimetype), media, obj, attachment)
    response.content_length = obj.size
    response.make_conditional(request.environ, accept_ranges=True, complete_length=obj.size)  # may raise 416
    if response.status_code not in (200, 206) or obj.size == 0:
        response.response = []  # 304/412, or an empty object: no body to read
        return response
    start, end = _chosen_span(response, obj)
    stream = store.open_range(obj.key, start, end)
    if stream is None:
        raise NotFound("The file is not available.")
    response.response = stream.chunks()
    response.direct_passthrough = True
    response.call_on_close(stream.close)  # a HEAD request or a client gone mid-way
    return response


def _chosen_span(response: Response, obj: StoredObject) -> tuple[int, int]:
    """The inclusive byte span `make_conditional` chose: its Content-Range, else the whole object."""
    chosen = response.content_range
    if response.status_code == 206 and chosen.start is not None and chosen.stop is not None:
        return chosen.start, chosen.stop - 1
    return 0, obj.size - 1


def _headers(response: Response, media: MediaFile, obj: StoredObject, attachment: bool) -> Response:
    response.headers["Accept-Ranges"] = "bytes"
    response.headers.set(
        "Content-Disposition", "attachment" if attachment else "inline", filename=media.download_name
    )
    response.last_modified = obj.last_modified
    if obj.etag:
        response.set_etag(obj.etag.strip('"'))
    response.cache_control.no_cache = True
    response.cache_control.max_age = 0
    response.expires = int(time.time())  # type: ignore[assignment]
    return response
