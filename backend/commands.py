"""Command-line entry points: `serve` runs the product, `process` runs the pipeline alone."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

COMMANDS = "serve,worker,process,openapi,rotate-token-key"
USAGE = f"usage: python -m backend {{{COMMANDS}}} [options]   (see --help of each)"


def main(argv: list[str]) -> int:
    if not argv or argv[0] in {"-h", "--help"}:
        print(USAGE)
        return 0 if argv else 2
    command, rest = argv[0], argv[1:]
    if command == "serve":
        return serve(rest)
    if command == "worker":
        return worker(rest)
    if command == "openapi":
        return print_openapi()
    if command == "rotate-token-key":
        return rotate_token_key()
    if command == "process":
        from backend.cli import process_command

        return process_command(rest)
    print(f"unknown command {command!r}\n{USAGE}", file=sys.stderr)
    return 2


def serve(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m backend serve")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=5000)
    args = parser.parse_args(argv)

    from backend.api.http_limits import BoundedDrainRequestHandler
    from backend.app import create_app
    from backend.extensions import socketio
    from backend.runtime import start_runtime, upgrade_database

    app = create_app()
    upgrade_database(app)
    start_runtime(app)
    print(f"Viral Clipper API on http://{args.host}:{args.port}", flush=True)
    socketio.run(
        app,
        host=args.host,
        port=args.port,
        allow_unsafe_werkzeug=True,
        use_reloader=False,
        request_handler=BoundedDrainRequestHandler,
    )
    return 0


def worker(argv: list[str]) -> int:
    """JOB_BACKEND=celery: a worker process (CONTRACTS §11). It does not migrate: the web does."""
    parser = argparse.ArgumentParser(prog="python -m backend worker")
    parser.add_argument("--concurrency", type=int, help="items run at once (default: JOB_WORKERS)")
    parser.add_argument("--loglevel", default="INFO")
    args = parser.parse_args(argv)

    from backend.config import Config, ConfigError, finalize
    from backend.work.celery_worker import run_worker

    try:
        config = finalize(Config.from_env())
    except ConfigError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if config.job_backend != "celery":
        print("python -m backend worker needs JOB_BACKEND=celery (and REDIS_URL)", file=sys.stderr)
        return 2
    return run_worker(config, args.concurrency or config.job_workers, args.loglevel)


def print_openapi() -> int:
    """Print /api/v1/openapi.json (the dashboard generates its TypeScript types from it)."""
    import json
    import tempfile

    from backend.app import create_app
    from backend.config import Config

    with tempfile.TemporaryDirectory() as data_dir:
        config = Config.from_env().with_overrides(data_dir=Path(data_dir), database_url="")
        app = create_app(config)
        print(json.dumps(app.test_client().get("/api/v1/openapi.json").get_json(), indent=2))
    return 0


def rotate_token_key() -> int:
    """Re-encrypt stored YouTube credentials with the newest TOKEN_ENCRYPTION_KEY (the first)."""
    from backend.app import create_app
    from backend.runtime import upgrade_database
    from backend.services.youtube import rotate_credentials

    app = create_app()
    upgrade_database(app)
    with app.app_context():
        count = rotate_credentials(app.extensions["viral_clipper_config"])
    print(f"re-encrypted {count} stored credential(s) with the newest key", flush=True)
    return 0
