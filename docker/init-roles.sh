#!/bin/sh
# Runs once, when the PostgreSQL container makes its data directory (docker-entrypoint-initdb.d), as the owner
# (POSTGRES_USER, eventcrm_owner): the application's role, which owns nothing; db-apply grants it what it needs.
set -eu
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" \
  -v app_password="$EVENTCRM_DB_PASSWORD" <<'SQL'
CREATE ROLE eventcrm LOGIN PASSWORD :'app_password';
REVOKE CREATE ON SCHEMA public FROM PUBLIC;
SQL
