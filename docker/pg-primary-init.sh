#!/bin/sh
# Run once by the postgres image at the primary's first start (docker/compose.yml): a role the `ha` profile's
# replica takes its base backup and streams WAL with, and the pg_hba line that lets it in.
set -e
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" <<SQL
CREATE ROLE replicator WITH REPLICATION LOGIN PASSWORD 'replicator';
SQL
echo "host replication replicator all scram-sha-256" >> "$PGDATA/pg_hba.conf"
