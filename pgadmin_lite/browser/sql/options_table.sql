-- Create-table dialog: type names to suggest (built-in scalars, then the database's own types and domains).
SELECT ARRAY(SELECT pg_catalog.format_type(t.oid, NULL)
             FROM pg_catalog.pg_type t
             JOIN pg_catalog.pg_namespace n ON n.oid = t.typnamespace
             LEFT JOIN pg_catalog.pg_class r ON r.oid = t.typrelid
             WHERE t.typtype IN ('b', 'c', 'd', 'e', 'r') AND t.typisdefined AND t.typname !~ '^(_|pg_)'
               AND t.typcategory NOT IN ('A', 'P', 'X', 'Z')
               AND (r.oid IS NULL OR r.relkind = 'c')
               AND n.nspname NOT IN ('information_schema', 'pg_toast')
             ORDER BY n.nspname <> 'pg_catalog', 1) AS types,
       ARRAY(SELECT rolname::text FROM pg_catalog.pg_roles WHERE rolname !~ '^pg_' ORDER BY 1) AS roles
