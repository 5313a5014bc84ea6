"""Indicators per district: one row per run, district and indicator.

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Create the district_metric table."""
    op.create_table(
        "district_metric",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("run_id", sa.Integer, sa.ForeignKey("run.id"), nullable=False, index=True),
        sa.Column("district", sa.String(80), nullable=False),
        sa.Column("name", sa.String(120), nullable=False),
        sa.Column("value", sa.Float, nullable=True),
    )


def downgrade() -> None:
    """Drop the district_metric table."""
    op.drop_table("district_metric")
