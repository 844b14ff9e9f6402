-- Dependencies of a role, database or tablespace from pg_shdepend; objects in other databases are only counted.
SELECT 'dependency' AS direction, 'role' AS type,
       pg_catalog.pg_describe_object(s.refclassid, s.refobjid, 0) AS object,
       NULL::text AS database, s.deptype::text AS deptype
FROM pg_catalog.pg_shdepend s
WHERE s.classid = %(catalog)s::pg_catalog.regclass AND s.objid = %(oid)s
UNION ALL
SELECT 'dependent', (pg_catalog.pg_identify_object(s.classid, s.objid, s.objsubid)).type,
       pg_catalog.pg_describe_object(s.classid, s.objid, s.objsubid), db.datname, s.deptype::text
FROM pg_catalog.pg_shdepend s
LEFT JOIN pg_catalog.pg_database db ON db.oid = s.dbid
WHERE s.refclassid = %(catalog)s::pg_catalog.regclass AND s.refobjid = %(oid)s
  AND (s.dbid = 0 OR db.datname = pg_catalog.current_database())
UNION ALL
SELECT 'dependent', 'objects in another database', pg_catalog.count(*)::text || ' object(s)', db.datname,
       pg_catalog.string_agg(DISTINCT s.deptype::text, '')
FROM pg_catalog.pg_shdepend s
JOIN pg_catalog.pg_database db ON db.oid = s.dbid
WHERE s.refclassid = %(catalog)s::pg_catalog.regclass AND s.refobjid = %(oid)s
  AND db.datname <> pg_catalog.current_database()
GROUP BY db.datname
ORDER BY 1, 4, 3
