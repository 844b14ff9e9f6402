-- Tree: ordinary and partitioned tables of a schema (partitions are listed under their parent).
SELECT c.relname AS name, c.oid, c.relname AS sort_key,
       pg_catalog.pg_get_userbyid(c.relowner) AS owner,
       CASE WHEN c.reltuples >= 0 THEN c.reltuples::bigint END AS rows_estimate,
       c.relkind = 'p' AS is_partitioned, c.relpersistence = 'u' AS is_unlogged,
       c.relrowsecurity AS has_row_security, d.description AS comment
FROM pg_catalog.pg_class c
JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
LEFT JOIN pg_catalog.pg_description d
       ON d.objoid = c.oid AND d.classoid = 'pg_catalog.pg_class'::pg_catalog.regclass AND d.objsubid = 0
WHERE n.nspname = %(schema)s AND c.relkind IN ('r', 'p') AND NOT c.relispartition
