-- Local development only (docker-compose.yml): Keycloak's own database and role on the same
-- PostgreSQL server as the shop's, as on RDS. The password is a local-only demo value.
CREATE ROLE keycloak LOGIN PASSWORD 'keycloak-local-only';
CREATE DATABASE keycloak OWNER keycloak;
