-- Dependencies (what the object needs) and dependents (what needs it) from pg_depend, described by PostgreSQL.
SELECT 'dependency' AS direction, (pg_catalog.pg_identify_object(d.refclassid, d.refobjid, d.refobjsubid)).type,
       pg_catalog.pg_describe_object(d.refclassid, d.refobjid, d.refobjsubid) AS object,
       (pg_catalog.pg_identify_object(d.refclassid, d.refobjid, d.refobjsubid)).identity,
       d.deptype::text AS deptype
FROM pg_catalog.pg_depend d
WHERE d.classid = %(catalog)s::pg_catalog.regclass AND d.objid = %(oid)s
  AND (%(subid)s = 0 OR d.objsubid = %(subid)s)
UNION ALL
SELECT 'dependent', (pg_catalog.pg_identify_object(d.classid, d.objid, d.objsubid)).type,
       pg_catalog.pg_describe_object(d.classid, d.objid, d.objsubid),
       (pg_catalog.pg_identify_object(d.classid, d.objid, d.objsubid)).identity,
       d.deptype::text
FROM pg_catalog.pg_depend d
WHERE d.refclassid = %(catalog)s::pg_catalog.regclass AND d.refobjid = %(oid)s
  AND (%(subid)s = 0 OR d.refobjsubid = %(subid)s)
ORDER BY 1, 3
