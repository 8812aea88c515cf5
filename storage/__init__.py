"""Durable state: SQLAlchemy stores behind the programme ports, and the bot-state store for dialogs.

SQLite is the embedded default; PostgreSQL is used when ``REMEDI_DATABASE_URL`` points at it. Both run the same
migrations and pass the same contract tests.
"""
