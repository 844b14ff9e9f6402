-- Dependencies (what the object needs) and dependents (what needs it) from pg_depend, described by PostgreSQL.
-- A view's needs are recorded on its _RETURN rule, and a rule that needs something stands for its view.
WITH target AS (
    SELECT %(catalog)s::pg_catalog.regclass::oid AS classid, %(oid)s::oid AS objid
    UNION ALL
    SELECT 'pg_catalog.pg_rewrite'::pg_catalog.regclass::oid, r.oid
    FROM pg_catalog.pg_rewrite r
    WHERE %(catalog)s::text = 'pg_class' AND r.ev_class = %(oid)s
),
found AS (
    SELECT 'dependency' AS direction, d.refclassid AS classid, d.refobjid AS objid, d.refobjsubid AS objsubid,
           d.deptype
    FROM pg_catalog.pg_depend d
    JOIN target t ON d.classid = t.classid AND d.objid = t.objid
    WHERE %(subid)s = 0 OR d.objsubid = %(subid)s
    UNION ALL
    SELECT 'dependent', d.classid, d.objid, d.objsubid, d.deptype
    FROM pg_catalog.pg_depend d
    WHERE d.refclassid = %(catalog)s::pg_catalog.regclass AND d.refobjid = %(oid)s
      AND (%(subid)s = 0 OR d.refobjsubid = %(subid)s)
),
resolved AS (
    SELECT f.direction, f.deptype,
           CASE WHEN rw.oid IS NULL THEN f.classid ELSE 'pg_catalog.pg_class'::pg_catalog.regclass::oid END
               AS classid,
           coalesce(rw.ev_class, f.objid) AS objid,
           CASE WHEN rw.oid IS NULL THEN f.objsubid ELSE 0 END AS objsubid
    FROM found f
    LEFT JOIN pg_catalog.pg_rewrite rw
           ON f.classid = 'pg_catalog.pg_rewrite'::pg_catalog.regclass AND rw.oid = f.objid
)
SELECT DISTINCT r.direction, (pg_catalog.pg_identify_object(r.classid, r.objid, r.objsubid)).type,
       pg_catalog.pg_describe_object(r.classid, r.objid, r.objsubid) AS object,
       (pg_catalog.pg_identify_object(r.classid, r.objid, r.objsubid)).identity, r.deptype::text AS deptype
FROM resolved r
WHERE NOT (r.classid = %(catalog)s::pg_catalog.regclass AND r.objid = %(oid)s)
ORDER BY 1, 3
