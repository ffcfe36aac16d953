"""The full-text index of reports_searchdocument.tokens, which the ORM does
not describe (reports.search.querying reads it through SQL):

- PostgreSQL: a stored generated tsvector column, to_tsvector('simple',
  tokens), with a GIN index.
- SQLite: an FTS5 table over the same column (external content, rowid = the
  document's id) kept in step by triggers, as SQLite's FTS5 documentation
  describes for external-content tables.
"""

from django.db import migrations

POSTGRES_FORWARD = [
    "ALTER TABLE reports_searchdocument ADD COLUMN vector tsvector "
    "GENERATED ALWAYS AS (to_tsvector('simple'::regconfig, tokens)) STORED",
    "CREATE INDEX reports_searchdocument_vector ON reports_searchdocument USING gin (vector)",
]
POSTGRES_BACKWARD = [
    "DROP INDEX IF EXISTS reports_searchdocument_vector",
    "ALTER TABLE reports_searchdocument DROP COLUMN IF EXISTS vector",
]
SQLITE_FORWARD = [
    "CREATE VIRTUAL TABLE reports_search_fts USING fts5("
    "tokens, content='reports_searchdocument', content_rowid='id', tokenize='unicode61')",
    "CREATE TRIGGER reports_search_fts_insert AFTER INSERT ON reports_searchdocument BEGIN "
    "INSERT INTO reports_search_fts(rowid, tokens) VALUES (new.id, new.tokens); END",
    "CREATE TRIGGER reports_search_fts_delete AFTER DELETE ON reports_searchdocument BEGIN "
    "INSERT INTO reports_search_fts(reports_search_fts, rowid, tokens) "
    "VALUES ('delete', old.id, old.tokens); END",
    "CREATE TRIGGER reports_search_fts_update AFTER UPDATE ON reports_searchdocument BEGIN "
    "INSERT INTO reports_search_fts(reports_search_fts, rowid, tokens) "
    "VALUES ('delete', old.id, old.tokens); "
    "INSERT INTO reports_search_fts(rowid, tokens) VALUES (new.id, new.tokens); END",
]
SQLITE_BACKWARD = [
    "DROP TRIGGER IF EXISTS reports_search_fts_update",
    "DROP TRIGGER IF EXISTS reports_search_fts_delete",
    "DROP TRIGGER IF EXISTS reports_search_fts_insert",
    "DROP TABLE IF EXISTS reports_search_fts",
]


def _run(statements_by_vendor):
    def run(apps, schema_editor):
        for statement in statements_by_vendor.get(schema_editor.connection.vendor, []):
            schema_editor.execute(statement)

    return run


class Migration(migrations.Migration):
    dependencies = [("reports", "0012_issue29_knowledge")]

    operations = [
        migrations.RunPython(
            _run({"postgresql": POSTGRES_FORWARD, "sqlite": SQLITE_FORWARD}),
            _run({"postgresql": POSTGRES_BACKWARD, "sqlite": SQLITE_BACKWARD}),
        ),
    ]
