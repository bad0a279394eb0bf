"""GET /api/v1/jobs for a user with 10,000 jobs in PostgreSQL, paginated (goal p99 ≤ 50 ms).

Creates a throwaway PostgreSQL database (TEST_PG_ADMIN_URL, default postgres@127.0.0.1),
migrates it, bulk-inserts the jobs, and times 300 paginated requests through the WSGI app
(newest first pages, deep offsets and a status filter).
Usage: .venv/bin/python bench/jobs_list_pg.py
"""

from __future__ import annotations

import random
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from backend.app import create_app
from backend.extensions import db
from backend.models import Job, new_id
from backend.runtime import upgrade_database
from bench._server import percentiles
from tests.conftest import (
    create_pg_database,
    drop_pg_database,
    login,
    make_config,
    pg_url,
    register,
)

N = 10_000
STATUSES = ["completed"] * 7 + ["failed", "cancelled", "queued"]


def main() -> None:
    name = create_pg_database()
    try:
        with tempfile.TemporaryDirectory() as tmp:
            app = create_app(make_config(Path(tmp), pg_url(name)))
            upgrade_database(app)
            client = app.test_client()
            user_id = register(client)["id"]
            headers = {"Authorization": f"Bearer {login(client)['access_token']}"}
            base = datetime(2026, 1, 1, tzinfo=UTC)
            rows = [
                {
                    "id": new_id(),
                    "user_id": user_id,
                    "source_type": "youtube",
                    "priority": 5,
                    "progress": 100.0,
                    "source_url": f"https://www.youtube.com/watch?v=vid{i:08d}",
                    "status": random.choice(STATUSES),
                    "options": {},
                    "cancel_requested": False,
                    "attempt": 1,
                    "storage_bytes": 0,
                    "created_at": base + timedelta(seconds=i),
                    "updated_at": base + timedelta(seconds=i),
                    "queued_at": base + timedelta(seconds=i),
                }
                for i in range(N)
            ]
            with app.app_context():
                start = time.perf_counter()
                db.session.execute(Job.__table__.insert(), rows)
                db.session.commit()
                db.session.execute(db.text("ANALYZE jobs"))
                db.session.commit()
                print(f"inserted {N} jobs in {time.perf_counter() - start:.2f} s")
            queries = [
                "limit=20&offset=0",
                "limit=100&offset=0",
                "limit=20&offset=5000",
                "limit=20&status=failed",
            ]
            samples: dict[str, list[float]] = {q: [] for q in queries}
            for i in range(300):
                query = queries[i % len(queries)]
                start = time.perf_counter()
                response = client.get(f"/api/v1/jobs?{query}", headers=headers)
                samples[query].append((time.perf_counter() - start) * 1000)
                assert response.status_code == 200 and response.get_json()["total"] > 0
            everything = [s for values in samples.values() for s in values]
            for query, values in samples.items():
                print(f"GET /api/v1/jobs?{query:24}", percentiles(values))
            print("all 300 requests             ", percentiles(everything))
            with app.app_context():
                db.session.remove()
                db.engine.dispose()
    finally:
        drop_pg_database(name)


if __name__ == "__main__":
    main()
