from __future__ import annotations

import re

from pydantic import Field, field_validator

from backend.schemas.common import OutModel, StrictModel, UTCTime

# Deliberately simple: one "@", a dot in the domain, no spaces. Deliverability is the mail
# server's business; this catches typos without rejecting valid unusual addresses.
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def normalize_email(value: str) -> str:
    return value.strip().lower()


class Credentials(StrictModel):
    email: str = Field(min_length=3, max_length=320)
    password: str = Field(min_length=1, max_length=1024)

    @field_validator("email")
    @classmethod
    def _email(cls, value: str) -> str:
        if not _EMAIL.match(value):
            raise ValueError("must be a valid email address")
        return normalize_email(value)


class RegisterIn(Credentials):
    name: str = Field("", max_length=120)

    @field_validator("password")
    @classmethod
    def _password(cls, value: str) -> str:
        # bcrypt only reads 72 bytes; a longer password would be silently truncated.
        size = len(value.encode("utf-8"))
        if size < 8 or size > 72:
            raise ValueError("must be 8 to 72 bytes long")
        return value


class LoginIn(Credentials):
    pass


class LogoutIn(StrictModel):
    refresh_token: str | None = None


class UserOut(OutModel):
    id: str
    email: str
    name: str
    created_at: UTCTime
    youtube_connected: bool
    storage_bytes: int = 0


class UserEnvelope(OutModel):
    user: UserOut


class LoginOut(OutModel):
    user: UserOut
    access_token: str
    refresh_token: str


class RefreshOut(OutModel):
    access_token: str
