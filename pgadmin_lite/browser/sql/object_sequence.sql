-- Object: one sequence with its parameters, the column owning it, and (if readable) its last value.
SELECT c.oid, 'pg_catalog.pg_class'::pg_catalog.regclass::oid AS classid, c.relname AS name, n.nspname AS schema,
       pg_catalog.format_type(s.seqtypid, NULL) AS data_type, s.seqstart AS start, s.seqincrement AS increment,
       s.seqmin AS min_value, s.seqmax AS max_value, s.seqcache AS cache, s.seqcycle AS cycle,
       CASE WHEN pg_catalog.has_sequence_privilege(c.oid, 'SELECT,USAGE')
            THEN pg_catalog.pg_sequence_last_value(c.oid) END AS last_value,
       own.deptype::text AS owned_kind, tn.nspname AS owned_by_schema, tc.relname AS owned_by_table,
       ta.attname AS owned_by_column,
       pg_catalog.pg_get_userbyid(c.relowner) AS owner, c.relacl IS NOT NULL AS has_acl, d.description AS comment,
       (SELECT pg_catalog.json_agg(pg_catalog.json_build_object(
           'grantee', CASE WHEN a.grantee = 0 THEN NULL ELSE pg_catalog.pg_get_userbyid(a.grantee) END,
           'privilege', a.privilege_type, 'grantable', a.is_grantable) ORDER BY a.grantee, a.privilege_type)
        FROM pg_catalog.aclexplode(c.relacl) a) AS grants
FROM pg_catalog.pg_class c
JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
JOIN pg_catalog.pg_sequence s ON s.seqrelid = c.oid
LEFT JOIN pg_catalog.pg_depend own
       ON own.classid = 'pg_catalog.pg_class'::pg_catalog.regclass AND own.objid = c.oid
      AND own.refclassid = 'pg_catalog.pg_class'::pg_catalog.regclass AND own.deptype IN ('a', 'i')
LEFT JOIN pg_catalog.pg_class tc ON tc.oid = own.refobjid
LEFT JOIN pg_catalog.pg_namespace tn ON tn.oid = tc.relnamespace
LEFT JOIN pg_catalog.pg_attribute ta ON ta.attrelid = own.refobjid AND ta.attnum = own.refobjsubid
LEFT JOIN pg_catalog.pg_description d
       ON d.objoid = c.oid AND d.classoid = 'pg_catalog.pg_class'::pg_catalog.regclass AND d.objsubid = 0
WHERE n.nspname = %(schema)s AND c.relname = %(name)s AND c.relkind = 'S'
