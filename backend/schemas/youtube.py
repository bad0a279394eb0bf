"""YouTube (CONTRACTS §10): the account status, the OAuth callback body."""

from __future__ import annotations

from pydantic import BaseModel, Field

from backend.schemas.common import StrictModel, UTCTime


class ChannelOut(BaseModel):
    id: str
    title: str
    thumbnail_url: str | None


class YouTubeStatus(BaseModel):
    configured: bool
    connected: bool
    needs_relink: bool
    channel: ChannelOut | None
    scopes: list[str]
    connected_at: UTCTime | None


class ConnectOut(BaseModel):
    authorization_url: str


class CallbackIn(StrictModel):
    code: str = Field(min_length=1, max_length=2048)
    state: str = Field(min_length=1, max_length=128)
