-- Search box: objects of one database whose name matches %(pattern)s (an escaped ILIKE pattern), as tree refs.
-- Schemas, tables (partitions too), views, materialized views, sequences, indexes, functions, types and domains;
-- system schemas only when %(system)s. Bounded by %(limit)s (the caller asks one more to know it was cut).
WITH visible AS (
    SELECT n.oid, n.nspname FROM pg_catalog.pg_namespace n
    WHERE %(system)s OR NOT (n.nspname ~ '^pg_' OR n.nspname = 'information_schema')),
found AS (
    SELECT 'schema' AS kind, NULL::text AS schema, NULL::text AS "table", v.nspname::text AS name, NULL::text AS args
    FROM visible v WHERE v.nspname ILIKE %(pattern)s
    UNION ALL
    SELECT CASE c.relkind WHEN 'v' THEN 'view' WHEN 'm' THEN 'materialized_view' WHEN 'S' THEN 'sequence'
                ELSE 'table' END, v.nspname, NULL, c.relname, NULL
    FROM pg_catalog.pg_class c JOIN visible v ON v.oid = c.relnamespace
    WHERE c.relkind IN ('r', 'p', 'v', 'm', 'S') AND c.relname ILIKE %(pattern)s
    UNION ALL
    SELECT 'index', v.nspname, t.relname, ic.relname, NULL
    FROM pg_catalog.pg_index i
    JOIN pg_catalog.pg_class ic ON ic.oid = i.indexrelid
    JOIN pg_catalog.pg_class t ON t.oid = i.indrelid
    JOIN visible v ON v.oid = t.relnamespace
    WHERE ic.relname ILIKE %(pattern)s
    UNION ALL
    SELECT 'function', v.nspname, NULL, p.proname, pg_catalog.pg_get_function_identity_arguments(p.oid)
    FROM pg_catalog.pg_proc p JOIN visible v ON v.oid = p.pronamespace
    WHERE p.prokind IN ('f', 'p', 'w') AND p.proname ILIKE %(pattern)s
    UNION ALL
    SELECT CASE t.typtype WHEN 'd' THEN 'domain' ELSE 'type' END, v.nspname, NULL, t.typname, NULL
    FROM pg_catalog.pg_type t JOIN visible v ON v.oid = t.typnamespace
    WHERE t.typtype IN ('b', 'c', 'd', 'e', 'r') AND t.typname ILIKE %(pattern)s
      AND NOT (t.typcategory = 'A' AND t.typelem <> 0)
      AND (t.typtype <> 'c' OR t.typrelid IN (SELECT r.oid FROM pg_catalog.pg_class r WHERE r.relkind = 'c')))
SELECT kind, schema, "table", name, args FROM found
ORDER BY lower(name), name, schema NULLS FIRST, kind
LIMIT %(limit)s
