"""PostgreSQL full-text search that ignores accents (imported only on PostgreSQL)."""

from modelsearch.backends.database.postgres.postgres import PostgresSearchBackend

from .database import POSTGRES_AUTOCOMPLETE_CONFIG, POSTGRES_SEARCH_CONFIG


class AccentFoldingPostgresSearchBackend(PostgresSearchBackend):
    def __init__(self, params):
        params = dict(params)
        params.setdefault("SEARCH_CONFIG", POSTGRES_SEARCH_CONFIG)
        super().__init__(params)
        # The stock backend hard-codes 'simple' (no stemming) for autocomplete; keep
        # 'no stemming' but fold accents too.
        self.autocomplete_config = params.get("AUTOCOMPLETE_CONFIG", POSTGRES_AUTOCOMPLETE_CONFIG)


SearchBackend = AccentFoldingPostgresSearchBackend
