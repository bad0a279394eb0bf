"""Our ids: UUIDs we generate. Anything else cannot name a stored job, clip or file."""

from __future__ import annotations

import re

_UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")


def is_id(value: str) -> bool:
    return bool(_UUID.match(value))
