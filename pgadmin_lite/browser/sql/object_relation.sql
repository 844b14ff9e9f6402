-- Object: one table, partition, view, materialized view or sequence (relkinds picks which) and its facts.
SELECT c.oid, 'pg_catalog.pg_class'::pg_catalog.regclass::oid AS classid, c.relname AS name, n.nspname AS schema,
       c.relkind::text AS relkind, pg_catalog.pg_get_userbyid(c.relowner) AS owner,
       c.relpersistence = 'u' AS is_unlogged, c.relrowsecurity AS row_security,
       c.relforcerowsecurity AS force_row_security, c.reloptions AS options, c.relispartition AS is_partition,
       CASE WHEN c.relkind = 'p' THEN pg_catalog.pg_get_partkeydef(c.oid) END AS partition_key,
       CASE WHEN c.relispartition THEN pg_catalog.pg_get_expr(c.relpartbound, c.oid) END AS partition_bound,
       pn.nspname AS parent_schema, pc.relname AS parent_name,
       CASE WHEN c.relkind IN ('v', 'm') THEN pg_catalog.pg_get_viewdef(c.oid, true) END AS definition,
       c.relispopulated AS is_populated, ts.spcname AS tablespace,
       CASE WHEN c.reltuples >= 0 THEN c.reltuples::bigint END AS rows_estimate,
       c.relhasindex AS has_indexes, c.relacl IS NOT NULL AS has_acl,
       EXISTS (SELECT 1 FROM pg_catalog.pg_index i WHERE i.indrelid = c.oid AND i.indisprimary) AS has_primary_key,
       d.description AS comment,
       (SELECT pg_catalog.json_agg(pg_catalog.json_build_object(
           'grantee', CASE WHEN a.grantee = 0 THEN NULL ELSE pg_catalog.pg_get_userbyid(a.grantee) END,
           'privilege', a.privilege_type, 'grantable', a.is_grantable) ORDER BY a.grantee, a.privilege_type)
        FROM pg_catalog.aclexplode(c.relacl) a) AS grants
FROM pg_catalog.pg_class c
JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
LEFT JOIN pg_catalog.pg_tablespace ts ON ts.oid = c.reltablespace
LEFT JOIN pg_catalog.pg_inherits inh ON c.relispartition AND inh.inhrelid = c.oid
LEFT JOIN pg_catalog.pg_class pc ON pc.oid = inh.inhparent
LEFT JOIN pg_catalog.pg_namespace pn ON pn.oid = pc.relnamespace
LEFT JOIN pg_catalog.pg_description d
       ON d.objoid = c.oid AND d.classoid = 'pg_catalog.pg_class'::pg_catalog.regclass AND d.objsubid = 0
WHERE n.nspname = %(schema)s AND c.relname = %(name)s AND c.relkind::text = ANY (%(relkinds)s)
