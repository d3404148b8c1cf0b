"""Pure analytics: no Django, no database. Runs on Parquet files in a notebook or a cluster.

The import-linter contract in pyproject.toml keeps it that way.
"""
