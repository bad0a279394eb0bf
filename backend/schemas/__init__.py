"""Pydantic models: they validate requests, serialise responses and generate the OpenAPI document."""
