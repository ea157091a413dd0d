#!/usr/bin/env bash
# First start of the PostgreSQL container: one database and one login role per service
# (docs/architecture.md "one database per service": no service can even connect to another's database).
set -euo pipefail

# KAIKU_DB_SERVICES: a regional deployment's own PostgreSQL holds issuance and usage only (compose.regional.yaml)
read -ra services <<<"${KAIKU_DB_SERVICES:-issuance usage stats portal}"
for service in "${services[@]}"; do
  var="KAIKU_${service^^}_DB_PASSWORD"
  password=${!var:?set $var in deploy/.env}
  psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname postgres \
    -v role="$service" -v password="$password" -v db="kaiku_$service" <<'SQL'
CREATE ROLE :"role" LOGIN PASSWORD :'password';
CREATE DATABASE :"db" OWNER :"role";
REVOKE ALL ON DATABASE :"db" FROM PUBLIC;
SQL
done
