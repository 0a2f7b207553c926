"""Alembic migrations of the schema; ``bitcode_adapters.sql.migrate`` runs them."""
