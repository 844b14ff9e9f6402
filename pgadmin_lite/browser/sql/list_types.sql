-- Tree: user-visible types of a schema: composite, enum, range and base (not table row types or arrays).
SELECT t.typname AS name, t.oid, t.typname AS sort_key,
       CASE t.typtype WHEN 'c' THEN 'composite' WHEN 'e' THEN 'enum' WHEN 'r' THEN 'range'
                      ELSE 'base' END AS type_kind,
       pg_catalog.pg_get_userbyid(t.typowner) AS owner, d.description AS comment
FROM pg_catalog.pg_type t
JOIN pg_catalog.pg_namespace n ON n.oid = t.typnamespace
LEFT JOIN pg_catalog.pg_description d
       ON d.objoid = t.oid AND d.classoid = 'pg_catalog.pg_type'::pg_catalog.regclass AND d.objsubid = 0
WHERE n.nspname = %(schema)s AND t.typtype IN ('b', 'c', 'e', 'r')
  AND NOT (t.typcategory = 'A' AND t.typelem <> 0)
  AND (t.typtype <> 'c' OR t.typrelid IN (SELECT r.oid FROM pg_catalog.pg_class r WHERE r.relkind = 'c'))
