"""Alembic environment: migrations always run on a connection that ``storage.migrate`` hands over.

There is no ``alembic.ini`` URL: the service's own settings decide the database, so the CLI, start-up and tests
migrate exactly the database they will use.
"""

from __future__ import annotations

from alembic import context
from sqlalchemy.engine import Connection

from storage.tables import metadata

connection: Connection | None = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError("Run migrations through 'remedi db upgrade', which supplies the database connection.")

context.configure(
    connection=connection,
    target_metadata=metadata,
    render_as_batch=connection.dialect.name == "sqlite",
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()
