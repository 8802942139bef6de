"""The PostgreSQL target (`nenkin-audit run --target postgres`).

The connection comes from the standard libpq variables (PGHOST, PGPORT, PGUSER, PGPASSWORD,
PGDATABASE, or a ~/.pgpass / PGSERVICE). `bootstrap` creates, idempotently, what a run needs on an
empty database: the schemas, the NOLOGIN group roles and their grants, the keyed pseudonym
function and the key row. The loader writes the raw tables with COPY; dbt builds with the
`postgres` output of profiles.yml; the mart is published by a schema swap in one transaction."""
