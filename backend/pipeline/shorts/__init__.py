"""Shorts rendering (CONTRACTS §9): reframe plan, captions, hook title and loudness, all feeding
one ffmpeg encode per clip. `plan` holds the shared data types; each other module one concern."""
