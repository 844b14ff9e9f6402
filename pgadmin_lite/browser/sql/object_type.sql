-- Object: one type or domain (typtypes picks which): enum labels, composite attributes, range and domain facts.
SELECT t.oid, 'pg_catalog.pg_type'::pg_catalog.regclass::oid AS classid, t.typname AS name, n.nspname AS schema,
       t.typtype::text AS typtype,
       CASE t.typtype WHEN 'c' THEN 'composite' WHEN 'e' THEN 'enum' WHEN 'r' THEN 'range' WHEN 'd' THEN 'domain'
                      ELSE 'base' END AS type_kind,
       CASE WHEN t.typtype = 'd' THEN pg_catalog.format_type(t.typbasetype, t.typtypmod) END AS base_type,
       t.typnotnull AS not_null, t.typdefault AS default,
       CASE WHEN t.typtype = 'd' AND t.typcollation <> bt.typcollation THEN co.collname END AS collation,
       CASE WHEN t.typtype = 'd' AND t.typcollation <> bt.typcollation THEN cn.nspname END AS collation_schema,
       ARRAY(SELECT e.enumlabel::text FROM pg_catalog.pg_enum e WHERE e.enumtypid = t.oid
             ORDER BY e.enumsortorder) AS labels,
       (SELECT pg_catalog.json_agg(pg_catalog.json_build_object(
                  'name', a.attname, 'data_type', pg_catalog.format_type(a.atttypid, a.atttypmod)) ORDER BY a.attnum)
        FROM pg_catalog.pg_attribute a
        WHERE a.attrelid = t.typrelid AND t.typtype = 'c' AND a.attnum > 0 AND NOT a.attisdropped) AS attributes,
       (SELECT pg_catalog.json_agg(pg_catalog.json_build_object(
                  'name', con.conname, 'definition', pg_catalog.pg_get_constraintdef(con.oid, true)) ORDER BY con.conname)
        FROM pg_catalog.pg_constraint con WHERE con.contypid = t.oid AND con.contype <> 'n') AS constraints,
       CASE WHEN t.typtype = 'r' THEN pg_catalog.format_type(rg.rngsubtype, NULL) END AS range_subtype,
       CASE WHEN rg.rngsubdiff <> 0 THEN rg.rngsubdiff::pg_catalog.regproc::text END AS range_subtype_diff,
       pg_catalog.pg_get_userbyid(t.typowner) AS owner, t.typacl IS NOT NULL AS has_acl, d.description AS comment,
       (SELECT pg_catalog.json_agg(pg_catalog.json_build_object(
           'grantee', CASE WHEN a.grantee = 0 THEN NULL ELSE pg_catalog.pg_get_userbyid(a.grantee) END,
           'privilege', a.privilege_type, 'grantable', a.is_grantable) ORDER BY a.grantee, a.privilege_type)
        FROM pg_catalog.aclexplode(t.typacl) a) AS grants
FROM pg_catalog.pg_type t
JOIN pg_catalog.pg_namespace n ON n.oid = t.typnamespace
LEFT JOIN pg_catalog.pg_type bt ON bt.oid = t.typbasetype
LEFT JOIN pg_catalog.pg_collation co ON co.oid = t.typcollation
LEFT JOIN pg_catalog.pg_namespace cn ON cn.oid = co.collnamespace
LEFT JOIN pg_catalog.pg_range rg ON rg.rngtypid = t.oid
LEFT JOIN pg_catalog.pg_description d
       ON d.objoid = t.oid AND d.classoid = 'pg_catalog.pg_type'::pg_catalog.regclass AND d.objsubid = 0
WHERE n.nspname = %(schema)s AND t.typname = %(name)s AND t.typtype::text = ANY (%(typtypes)s)
