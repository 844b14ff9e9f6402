-- Create-schema dialog: the roles that can own it.
SELECT ARRAY(SELECT rolname::text FROM pg_catalog.pg_roles WHERE rolname !~ '^pg_' ORDER BY 1) AS roles
