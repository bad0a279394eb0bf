"""JOB_BACKEND and its companions are validated when the config is finalized."""

from __future__ import annotations

import pytest

from backend.config import Config, ConfigError, finalize

DEV = {"SECRET_KEY": "s" * 40, "JWT_SECRET_KEY": "j" * 40}


def test_threads_is_the_default_and_needs_no_redis() -> None:
    config = finalize(Config.from_mapping(DEV))
    assert config.job_backend == "threads" and config.broker_url == ""


def test_celery_needs_redis_and_defaults_its_broker_to_it() -> None:
    with pytest.raises(ConfigError, match="REDIS_URL"):
        finalize(Config.from_mapping({**DEV, "JOB_BACKEND": "celery"}))
    config = finalize(Config.from_mapping({**DEV, "JOB_BACKEND": "celery", "REDIS_URL": "redis://h:6379/3"}))
    assert config.broker_url == "redis://h:6379/3"
    other = {**DEV, "JOB_BACKEND": "celery", "REDIS_URL": "redis://h/1", "CELERY_BROKER_URL": "redis://b/2"}
    assert finalize(Config.from_mapping(other)).broker_url == "redis://b/2"


@pytest.mark.parametrize(
    "values",
    [{"JOB_BACKEND": "celeri"}, {"WORKER_HEARTBEAT_SECONDS": "10", "WORKER_STALE_SECONDS": "15"}],
)
def test_invalid_values_are_refused(values: dict[str, str]) -> None:
    with pytest.raises(ConfigError):
        finalize(Config.from_mapping({**DEV, **values}))
