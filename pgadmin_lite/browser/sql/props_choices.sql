-- Alter dialogs: the roles that can own an object, the schemas it can move to, the tablespaces it can live in.
SELECT ARRAY(SELECT rolname::text FROM pg_catalog.pg_roles WHERE rolname !~ '^pg_' ORDER BY 1) AS roles,
       ARRAY(SELECT rolname::text FROM pg_catalog.pg_roles ORDER BY rolname ~ '^pg_', rolname) AS all_roles,
       ARRAY(SELECT nspname::text FROM pg_catalog.pg_namespace
             WHERE nspname !~ '^pg_' AND nspname <> 'information_schema' ORDER BY 1) AS schemas,
       ARRAY(SELECT spcname::text FROM pg_catalog.pg_tablespace WHERE spcname <> 'pg_global' ORDER BY 1) AS tablespaces
