"""Jobs remember when they entered the queue (FIFO within a priority, retries go to the back)

Revision ID: 0002_job_queued_at
Revises: 0001_initial_schema
"""

from alembic import op
import sqlalchemy as sa


revision = "0002_job_queued_at"
down_revision = "0001_initial_schema"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("jobs", schema=None) as batch_op:
        batch_op.add_column(sa.Column("queued_at", sa.DateTime(timezone=True), nullable=True))


def downgrade():
    with op.batch_alter_table("jobs", schema=None) as batch_op:
        batch_op.drop_column("queued_at")
