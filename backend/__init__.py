"""Viral Clipper backend: turns long videos into short, captioned clips."""

__version__ = "0.1.0"
