-- Tree: indexes of a table or materialized view, with the constraint each one backs (if any).
SELECT ic.relname AS name, ic.oid, ic.relname AS sort_key,
       pg_catalog.pg_get_indexdef(i.indexrelid) AS definition,
       am.amname AS method, i.indisunique AS is_unique, i.indisprimary AS is_primary, i.indisvalid AS is_valid,
       con.conname AS constraint_name, ic.relispartition AS is_partition_index,
       pg_catalog.pg_relation_size(i.indexrelid) AS size_bytes, d.description AS comment
FROM pg_catalog.pg_index i
JOIN pg_catalog.pg_class ic ON ic.oid = i.indexrelid
JOIN pg_catalog.pg_am am ON am.oid = ic.relam
JOIN pg_catalog.pg_class c ON c.oid = i.indrelid
JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
LEFT JOIN pg_catalog.pg_constraint con
       ON con.conindid = i.indexrelid AND con.conrelid = i.indrelid AND con.contype IN ('p', 'u', 'x')
LEFT JOIN pg_catalog.pg_description d
       ON d.objoid = ic.oid AND d.classoid = 'pg_catalog.pg_class'::pg_catalog.regclass AND d.objsubid = 0
WHERE n.nspname = %(schema)s AND c.relname = %(table)s AND (%(name)s::text IS NULL OR ic.relname = %(name)s)
