-- Run once by the postgis image on its first start (docker-entrypoint-initdb.d): the role Redline serves requests
-- as. It owns nothing; Redline's migrations (run as the image's owner role, DATABASE_OWNER_URL) grant it what it
-- needs (server/db/roles.ts). Change the password here and in docker-compose.yml together.
CREATE ROLE redline_app WITH LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS NOINHERIT
  PASSWORD 'redline_app';
