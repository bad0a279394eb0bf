"""A heartbeat on every item a worker runs (jobs, re-rendered clips, publications): with
JOB_BACKEND=celery a worker refreshes it every few seconds, and any worker re-queues an item
whose heartbeat went stale (its worker died).

Revision ID: 0007_worker_heartbeat
Revises: 0006_shorts_rendering
"""

from alembic import op
import sqlalchemy as sa


revision = "0007_worker_heartbeat"
down_revision = "0006_shorts_rendering"
branch_labels = None
depends_on = None

TABLES = ("jobs", "clips", "publications")


def upgrade():
    for table in TABLES:
        with op.batch_alter_table(table) as batch:
            batch.add_column(sa.Column("heartbeat_at", sa.DateTime(timezone=True), nullable=True))


def downgrade():
    for table in TABLES:
        with op.batch_alter_table(table) as batch:
            batch.drop_column("heartbeat_at")
