"""Clips record how they were rendered as Shorts (format, layout, captions, loudness, shots) and
the state of a re-render.

Revision ID: 0006_shorts_rendering
Revises: 0005_youtube_publishing
"""

from alembic import op
import sqlalchemy as sa


revision = "0006_shorts_rendering"
down_revision = "0005_youtube_publishing"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("clips") as batch:
        # Clips rendered before this release are horizontal cuts of the source, uncaptioned.
        batch.add_column(sa.Column("format", sa.String(16), nullable=False, server_default="original"))
        batch.add_column(sa.Column("layout", sa.String(16), nullable=False, server_default="fit"))
        batch.add_column(sa.Column("caption_style", sa.String(16), nullable=False, server_default="none"))
        batch.add_column(sa.Column("loudness", sa.Float(), nullable=True))
        batch.add_column(sa.Column("shots", sa.JSON(), nullable=True))
        batch.add_column(sa.Column("render_options", sa.JSON(), nullable=True))
        batch.add_column(sa.Column("render_status", sa.String(16), nullable=False, server_default="ready"))
        batch.add_column(sa.Column("render_error", sa.Text(), nullable=True))
        batch.add_column(sa.Column("render_request", sa.JSON(), nullable=True))
        batch.add_column(sa.Column("render_version", sa.Integer(), nullable=False, server_default="0"))


def downgrade():
    with op.batch_alter_table("clips") as batch:
        for name in (
            "render_version",
            "render_request",
            "render_error",
            "render_status",
            "render_options",
            "shots",
            "loudness",
            "caption_style",
            "layout",
            "format",
        ):
            batch.drop_column(name)
