-- Tree: partitions of a partitioned table (each in its own schema), with their bounds.
SELECT pc.relname AS name, pc.oid, pn.nspname AS schema, pc.relname AS sort_key,
       pg_catalog.pg_get_expr(pc.relpartbound, pc.oid) AS bound,
       pc.relkind = 'p' AS is_partitioned,
       CASE WHEN pc.reltuples >= 0 THEN pc.reltuples::bigint END AS rows_estimate
FROM pg_catalog.pg_class c
JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
JOIN pg_catalog.pg_inherits inh ON inh.inhparent = c.oid
JOIN pg_catalog.pg_class pc ON pc.oid = inh.inhrelid
JOIN pg_catalog.pg_namespace pn ON pn.oid = pc.relnamespace
WHERE n.nspname = %(schema)s AND c.relname = %(table)s AND c.relkind = 'p'
