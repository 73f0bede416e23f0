"""publish: model registry and the serving choice

Revision ID: 0008_publish_models
Revises: 0007_review_queue
Create Date: 2026-12-01 23:50:00
"""

from alembic import op
import sqlalchemy as sa


revision = '0008_publish_models'
down_revision = '0007_review_queue'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('publishing_models',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('path', sa.String(length=500), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=True),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('progress', sa.Double(), nullable=False),
    sa.Column('stage', sa.String(length=40), nullable=True),
    sa.Column('error', sa.Text(), nullable=True),
    sa.Column('report', sa.JSON(), nullable=True),
    sa.Column('created_by', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('served_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['created_by'], ['handoff_operators.id'], name=op.f('fk_publishing_models_created_by_handoff_operators')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_publishing_models')),
    sa.UniqueConstraint('name', name=op.f('uq_publishing_models_name'))
    )
    op.create_table('publishing_serving',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('model_id', sa.Integer(), nullable=True),
    sa.Column('rasa_url', sa.String(length=300), nullable=False),
    sa.Column('pid', sa.Integer(), nullable=True),
    sa.Column('generation', sa.Integer(), nullable=False),
    sa.Column('switched_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['model_id'], ['publishing_models.id'], name=op.f('fk_publishing_serving_model_id_publishing_models')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_publishing_serving'))
    )


def downgrade() -> None:
    op.drop_table('publishing_serving')
    op.drop_table('publishing_models')
