-- Tree: domains of a schema with their base type, default and NOT NULL.
SELECT t.typname AS name, t.oid, t.typname AS sort_key,
       pg_catalog.format_type(t.typbasetype, t.typtypmod) AS base_type,
       t.typnotnull AS not_null, t.typdefault AS default,
       pg_catalog.pg_get_userbyid(t.typowner) AS owner, d.description AS comment
FROM pg_catalog.pg_type t
JOIN pg_catalog.pg_namespace n ON n.oid = t.typnamespace
LEFT JOIN pg_catalog.pg_description d
       ON d.objoid = t.oid AND d.classoid = 'pg_catalog.pg_type'::pg_catalog.regclass AND d.objsubid = 0
WHERE n.nspname = %(schema)s AND t.typtype = 'd'
