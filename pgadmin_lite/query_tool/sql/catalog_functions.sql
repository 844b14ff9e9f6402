-- Completion: functions and procedures with their signatures, as one JSON array (pg_catalog's own thousands are
-- left to keywords). At most %(limit)s; is_cut says there were more.
WITH listed AS (
    SELECT n.nspname AS schema, p.proname AS name, p.prokind::text AS kind,
           pg_catalog.pg_get_function_identity_arguments(p.oid) AS arguments,
           CASE WHEN p.prokind = 'p' THEN NULL ELSE pg_catalog.pg_get_function_result(p.oid) END AS result,
           pg_catalog.row_number() OVER (ORDER BY n.nspname, p.proname, p.oid) AS n
    FROM pg_catalog.pg_proc p
    JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace
    WHERE n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname !~ '^pg_(toast|temp_|toast_temp_)'
    ORDER BY n.nspname, p.proname, p.oid
    LIMIT %(limit)s + 1
)
SELECT COALESCE(pg_catalog.json_agg(pg_catalog.json_build_object(
           'schema', schema, 'name', name, 'kind', kind, 'arguments', arguments, 'result', result)
           ORDER BY n) FILTER (WHERE n <= %(limit)s), '[]'::json)::text AS items,
       pg_catalog.count(*) > %(limit)s AS is_cut
FROM listed
