"""``quality_results.settled``: a digest of the settled state of a day in progress (its SLOs'
roll-up rows, which end where each SLO's collection settled) that a day's events check saw.
The next hourly collection resumes from those roll-ups; when they are still what the check
saw, its check validates only the rows collected since and trusts the kept outcome for the
rest. NULL for the results kept before (their next check validates the whole day, as before).

Revision ID: 0014
Revises: 0013
"""

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Add ``quality_results.settled``."""
    with op.batch_alter_table("quality_results") as batch:
        batch.add_column(sa.Column("settled", sa.String(64), nullable=True))


def downgrade() -> None:
    """Drop ``quality_results.settled``."""
    with op.batch_alter_table("quality_results") as batch:
        batch.drop_column("settled")
