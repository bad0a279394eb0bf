from __future__ import annotations

import re
from typing import Annotated

from pydantic import AfterValidator, Field, field_validator

from backend.schemas.common import OutModel, StrictModel, UTCTime

# Deliberately simple: one "@", a dot in the domain, no spaces. Deliverability is the mail
# server's business; this catches typos without rejecting valid unusual addresses.
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


# bcrypt reads only the first 72 bytes (and bcrypt >= 5 raises above that): a longer password
# is refused everywhere one is taken, instead of being silently truncated or crashing.
MAX_PASSWORD_BYTES = 72
MIN_PASSWORD_BYTES = 8


def normalize_email(value: str) -> str:
    return value.strip().lower()


def _within_bcrypt(value: str) -> str:
    if len(value.encode("utf-8")) > MAX_PASSWORD_BYTES:
        raise ValueError(f"must be at most {MAX_PASSWORD_BYTES} bytes long")
    return value


def _new_password(value: str) -> str:
    size = len(value.encode("utf-8"))
    if size < MIN_PASSWORD_BYTES or size > MAX_PASSWORD_BYTES:
        raise ValueError(f"must be {MIN_PASSWORD_BYTES} to {MAX_PASSWORD_BYTES} bytes long")
    return value


# Any password checked against a hash (login, current password) / a password to be hashed.
Password = Annotated[str, Field(min_length=1, max_length=1024), AfterValidator(_within_bcrypt)]
NewPassword = Annotated[str, Field(min_length=1, max_length=1024), AfterValidator(_new_password)]


class Credentials(StrictModel):
    email: str = Field(min_length=3, max_length=320)
    password: Password

    @field_validator("email")
    @classmethod
    def _email(cls, value: str) -> str:
        if not _EMAIL.match(value):
            raise ValueError("must be a valid email address")
        return normalize_email(value)


class RegisterIn(Credentials):
    password: NewPassword  # type: ignore[assignment]
    name: str = Field("", max_length=120)


class LoginIn(Credentials):
    pass


class LogoutIn(StrictModel):
    refresh_token: str | None = Field(
        None,
        description="A refresh token to revoke as well (bearer clients; browsers send the "
        "refresh cookie). The session of the access token is revoked in any case.",
    )


class PasswordIn(StrictModel):
    current_password: Password
    new_password: NewPassword


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
    refresh_token: str = Field(description="The successor of the refresh token used, which is now retired")
