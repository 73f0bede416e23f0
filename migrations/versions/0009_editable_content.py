"""tickets: content editors change in the console, and incident versions

Revision ID: 0009_editable_content
Revises: 0008_publish_models
Create Date: 2026-12-02 16:00:00
"""

from alembic import op
import sqlalchemy as sa


revision = '0009_editable_content'
down_revision = '0008_publish_models'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('tickets_content',
    sa.Column('key', sa.String(length=40), nullable=False),
    sa.Column('body', sa.JSON(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_by', sa.Integer(), nullable=True),
    sa.PrimaryKeyConstraint('key', name=op.f('pk_tickets_content'))
    )
    # incidents announced before this release start at version 0
    with op.batch_alter_table('tickets_incidents') as batch_op:
        batch_op.add_column(sa.Column('version', sa.Integer(), nullable=False, server_default='0'))


def downgrade() -> None:
    with op.batch_alter_table('tickets_incidents') as batch_op:
        batch_op.drop_column('version')
    op.drop_table('tickets_content')
