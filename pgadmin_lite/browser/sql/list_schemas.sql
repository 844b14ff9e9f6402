-- Tree: schemas of the connected database; pg_* and information_schema only with system.
SELECT n.nspname AS name, n.oid, n.nspname AS sort_key,
       pg_catalog.pg_get_userbyid(n.nspowner) AS owner,
       (n.nspname ~ '^pg_' OR n.nspname = 'information_schema') AS is_system,
       d.description AS comment
FROM pg_catalog.pg_namespace n
LEFT JOIN pg_catalog.pg_description d
       ON d.objoid = n.oid AND d.classoid = 'pg_catalog.pg_namespace'::pg_catalog.regclass AND d.objsubid = 0
WHERE %(system)s OR NOT (n.nspname ~ '^pg_' OR n.nspname = 'information_schema')
