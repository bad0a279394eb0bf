"""Work items of one shape (CONTRACTS §12): a re-delivery counter on every kind, a re-render's
attempt (fencing) and `queued` state, the file a publication pinned, and publications that
outlive their clip and job (a published video is never cascade-deleted). Jobs left at the
retired stage `uploading` are completed: their clips were rendered.

Revision ID: 0008_work_items
Revises: 0007_worker_heartbeat
"""

from alembic import op
import sqlalchemy as sa


revision = "0008_work_items"
down_revision = "0007_worker_heartbeat"
branch_labels = None
depends_on = None

COUNTER = dict(nullable=False, server_default="0")


def upgrade():
    with op.batch_alter_table("jobs") as batch:
        batch.add_column(sa.Column("redeliveries", sa.Integer(), **COUNTER))
    with op.batch_alter_table("clips") as batch:
        batch.add_column(sa.Column("render_attempt", sa.Integer(), **COUNTER))
        batch.add_column(sa.Column("render_redeliveries", sa.Integer(), **COUNTER))
        batch.add_column(sa.Column("render_queued_at", sa.DateTime(timezone=True), nullable=True))
    with op.batch_alter_table("publications") as batch:
        batch.add_column(sa.Column("redeliveries", sa.Integer(), **COUNTER))
        batch.add_column(sa.Column("file_path", sa.String(512), nullable=True))
        batch.add_column(sa.Column("file_sha256", sa.String(64), nullable=True))
        batch.add_column(sa.Column("queued_at", sa.DateTime(timezone=True), nullable=True))
    _publication_parents("SET NULL", nullable=True)
    op.execute(
        "UPDATE jobs SET status = 'completed', stage = NULL WHERE status = 'processing' AND stage = 'uploading'"
    )


def downgrade():
    op.execute("DELETE FROM publications WHERE clip_id IS NULL OR job_id IS NULL")
    _publication_parents("CASCADE", nullable=False)
    with op.batch_alter_table("publications") as batch:
        batch.drop_column("queued_at")
        batch.drop_column("file_sha256")
        batch.drop_column("file_path")
        batch.drop_column("redeliveries")
    with op.batch_alter_table("clips") as batch:
        batch.drop_column("render_queued_at")
        batch.drop_column("render_redeliveries")
        batch.drop_column("render_attempt")
    with op.batch_alter_table("jobs") as batch:
        batch.drop_column("redeliveries")


def _publication_parents(ondelete, nullable):
    """publications.clip_id / job_id with a new ON DELETE rule."""
    parents = {"clip_id": "clips", "job_id": "jobs"}
    if op.get_bind().dialect.name == "sqlite":
        # SQLite cannot alter a constraint: the table is rebuilt with the columns re-declared.
        columns = [
            sa.Column(name, sa.String(36), sa.ForeignKey(f"{table}.id", ondelete=ondelete), nullable=nullable)
            for name, table in parents.items()
        ]
        with op.batch_alter_table("publications", recreate="always", reflect_args=columns):
            pass
        return
    for name, table in parents.items():
        op.drop_constraint(f"publications_{name}_fkey", "publications", type_="foreignkey")
        op.alter_column("publications", name, nullable=nullable)
        op.create_foreign_key(
            f"publications_{name}_fkey", "publications", table, [name], ["id"], ondelete=ondelete
        )
