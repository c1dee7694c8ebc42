"""IT administration: AI-literacy training per user, estimated energy per use record.

Revision ID: 0003
Revises: 0002
Create Date: 2025-01-03
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("users") as users:
        users.add_column(sa.Column("training_until", sa.Date, nullable=True))
    # Records written before this revision keep NULL: the chain hashes the column only
    # when it is set (gateway.store.chain.LATER_FIELDS), so they still verify.
    with op.batch_alter_table("use_log") as use_log:
        use_log.add_column(sa.Column("energy_wh", sa.Float, nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("use_log") as use_log:
        use_log.drop_column("energy_wh")
    with op.batch_alter_table("users") as users:
        users.drop_column("training_until")
