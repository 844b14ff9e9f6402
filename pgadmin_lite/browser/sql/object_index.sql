-- Object: one index by schema and name, with its table and the constraint it backs.
SELECT ic.oid, 'pg_catalog.pg_class'::pg_catalog.regclass::oid AS classid, ic.relname AS name, n.nspname AS schema,
       c.relname AS table_name, pg_catalog.pg_get_indexdef(i.indexrelid) AS definition, am.amname AS method,
       i.indisunique AS is_unique, i.indisprimary AS is_primary, i.indisvalid AS is_valid,
       con.conname AS constraint_name, ts.spcname AS tablespace, ic.relispartition AS is_partition_index,
       d.description AS comment
FROM pg_catalog.pg_class ic
JOIN pg_catalog.pg_namespace n ON n.oid = ic.relnamespace
JOIN pg_catalog.pg_index i ON i.indexrelid = ic.oid
JOIN pg_catalog.pg_class c ON c.oid = i.indrelid
JOIN pg_catalog.pg_am am ON am.oid = ic.relam
LEFT JOIN pg_catalog.pg_tablespace ts ON ts.oid = ic.reltablespace
LEFT JOIN pg_catalog.pg_constraint con
       ON con.conindid = i.indexrelid AND con.conrelid = i.indrelid AND con.contype IN ('p', 'u', 'x')
LEFT JOIN pg_catalog.pg_description d
       ON d.objoid = ic.oid AND d.classoid = 'pg_catalog.pg_class'::pg_catalog.regclass AND d.objsubid = 0
WHERE n.nspname = %(schema)s AND ic.relname = %(name)s AND ic.relkind IN ('i', 'I')
