"""The database backend: ``sqlite.py`` or ``postgres.py`` by the default database's vendor."""

from django.db import connection
from modelsearch.backends.database import SearchBackend as stock_backend


def SearchBackend(params):  # noqa: N802 (the name modelsearch looks for in a backend module)
    if connection.vendor == "postgresql":
        from .postgres import SearchBackend as backend
    elif connection.vendor == "sqlite":
        from .sqlite import SearchBackend as backend
    else:
        backend = stock_backend
    return backend(params)
