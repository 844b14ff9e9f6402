-- The planner's row estimate of a table (reltuples; -1 when never analyzed): the total of an export's progress.
SELECT c.reltuples::bigint
FROM pg_catalog.pg_class c
JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname = %(schema)s AND c.relname = %(table)s
