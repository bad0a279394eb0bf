"""YouTube (CONTRACTS §10): the account status, the OAuth callback body."""

from __future__ import annotations

from pydantic import BaseModel, Field

from backend.schemas.common import StrictModel, UTCTime


class ChannelOut(BaseModel):
    id: str
    title: str
    thumbnail_url: str | None


class QuotaOut(BaseModel):
    """Today's YouTube Data API spending by this server, against both documented limits."""

    day: str = Field(description="The quota day (Pacific time), YYYY-MM-DD.")
    units_used: int
    units_limit: int
    units_left: int
    uploads_used: int
    uploads_limit: int
    uploads_left: int
    upload_units: int = Field(description="Units one upload costs.")
    resets_at: UTCTime


class YouTubeStatus(BaseModel):
    configured: bool
    connected: bool
    needs_relink: bool
    channel: ChannelOut | None
    scopes: list[str]
    connected_at: UTCTime | None
    quota: QuotaOut | None = Field(None, description="Null when YouTube is not configured.")


class ConnectOut(BaseModel):
    authorization_url: str


class CallbackIn(StrictModel):
    code: str = Field(min_length=1, max_length=2048)
    state: str = Field(min_length=1, max_length=128)
