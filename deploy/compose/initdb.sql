-- The databases of an Ambito district on one PostgreSQL server, created by the postgres
-- image's entrypoint the first time it starts on an empty data directory (never again).
-- Runs as the server's superuser (POSTGRES_USER, "ambito"), who therefore owns them.
-- One ledger database per service (AMBITO_LEDGER_URL names them with {service}), plus the
-- identity and settings store, the person key store and the read models.
-- deploy/kubernetes/20-postgres.yaml carries the same text in the ConfigMap postgres-initdb;
-- tests/unit/test_deploy_manifests.py checks that the two stay equal.
CREATE DATABASE ambito_intake;
CREATE DATABASE ambito_casework;
CREATE DATABASE ambito_network;
CREATE DATABASE ambito_reporting;
CREATE DATABASE ambito_identity;
CREATE DATABASE ambito_keystore;
CREATE DATABASE ambito_views;
