"""yt-dlp's failures become messages a user can act on."""

from __future__ import annotations

import pytest

from backend.pipeline.ytdlp import explain


@pytest.mark.parametrize(
    "message",
    [
        # The wording YouTube's extractor reports for its bot check and for sign-in walls.
        "ERROR: [youtube] dQw4w9WgXcQ: Sign in to confirm you\u2019re not a bot. Use "
        "--cookies-from-browser or --cookies for the authentication.",
        "ERROR: [youtube] abc: Sign in to confirm your age. This video may be inappropriate for some users.",
        "ERROR: [youtube] abc: Private video. Sign in if you've been granted access to this video",
    ],
)
def test_bot_checks_and_sign_in_walls_tell_the_user_what_to_do(message: str) -> None:
    text = explain(message)
    assert "YTDLP_COOKIES_FILE" in text and "upload the video file instead" in text
    assert "pip install -U yt-dlp" in text and not text.startswith("ERROR")


def test_other_failures_keep_yt_dlps_reason() -> None:
    text = explain("ERROR: Unable to download webpage: HTTP Error 404: Not Found")
    assert text == "Download failed: Unable to download webpage: HTTP Error 404: Not Found"
