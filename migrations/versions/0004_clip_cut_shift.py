"""Clips record how far each cut moved from the transcript boundary into the nearest pause.

Revision ID: 0004_clip_cut_shift
Revises: 0003_auth_sessions
"""

from alembic import op
import sqlalchemy as sa


revision = "0004_clip_cut_shift"
down_revision = "0003_auth_sessions"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("clips") as batch:
        batch.add_column(sa.Column("cut_shift", sa.JSON(), nullable=True))


def downgrade():
    with op.batch_alter_table("clips") as batch:
        batch.drop_column("cut_shift")
