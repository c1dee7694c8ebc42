"""Alembic environment: always run on the connection the gateway hands over.

``gateway.store.migrate.upgrade`` passes an open connection in ``config.attributes``;
there is no alembic.ini and no offline (SQL script) mode.
"""

from alembic import context

from gateway.store.models import Base

connection = context.config.attributes["connection"]
context.configure(connection=connection, target_metadata=Base.metadata, render_as_batch=True)
with context.begin_transaction():
    context.run_migrations()
