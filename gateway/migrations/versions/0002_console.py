"""The DPO console: admin keys and sessions, reviews, rule proposals, staff reports.

Revision ID: 0002
Revises: 0001
Create Date: 2025-01-02
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _time(name: str, nullable: bool = False) -> sa.Column:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "admin_keys",
        sa.Column("id", sa.String(40), primary_key=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("role", sa.String(10), nullable=False),
        sa.Column("key_hash", sa.String(64), nullable=False, unique=True),
        sa.Column("prefix", sa.String(16), nullable=False),
        _time("created_at"),
        _time("revoked_at", nullable=True),
    )
    op.create_table(
        "admin_sessions",
        sa.Column("id_hash", sa.String(64), primary_key=True),
        sa.Column("admin_key_id", sa.String(40), sa.ForeignKey("admin_keys.id"), nullable=False, index=True),
        _time("created_at"),
        _time("expires_at"),
    )
    op.create_index("ix_admin_sessions_expires_at", "admin_sessions", ["expires_at"])
    op.create_table(
        "log_reviews",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("log_id", sa.Integer, nullable=False, index=True),
        sa.Column("reviewer", sa.String(200), nullable=False),
        sa.Column("comment", sa.Text, nullable=False),
        sa.Column("salt", sa.String(32), nullable=False),
        _time("created_at"),
    )
    op.create_table(
        "rule_proposals",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("log_id", sa.Integer, index=True),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("salt", sa.String(32), nullable=False),
        sa.Column("proposed_by", sa.String(200), nullable=False),
        _time("proposed_at"),
        sa.Column("applied_by", sa.String(200)),
        _time("applied_at", nullable=True),
    )
    op.create_table(
        "staff_reports",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("description", sa.Text, nullable=False),
        sa.Column("reporter", sa.String(200), nullable=False),
        sa.Column("salt", sa.String(32), nullable=False),
        _time("created_at"),
    )
    op.create_index("ix_staff_reports_created_at", "staff_reports", ["created_at"])


def downgrade() -> None:
    for table in ("staff_reports", "rule_proposals", "log_reviews", "admin_sessions", "admin_keys"):
        op.drop_table(table)
