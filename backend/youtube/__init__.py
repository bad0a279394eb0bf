"""YouTube: linking a channel, publishing clips and reading their stats back (CONTRACTS §10)."""
