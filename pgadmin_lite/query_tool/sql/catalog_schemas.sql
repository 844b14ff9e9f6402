-- Completion: the schemas (not TOAST's nor other sessions' temporary ones).
SELECT n.nspname AS name
FROM pg_catalog.pg_namespace n
WHERE n.nspname !~ '^pg_(toast|temp_|toast_temp_)' OR n.oid = pg_catalog.pg_my_temp_schema()
ORDER BY 1
