"""The processing pipeline: download → transcribe → analyze → render → finalize."""
