-- Tree: installed extensions with version and schema.
SELECT e.extname AS name, e.oid, e.extname AS sort_key,
       e.extversion AS version, n.nspname AS schema_name, e.extrelocatable AS is_relocatable,
       pg_catalog.pg_get_userbyid(e.extowner) AS owner,
       d.description AS comment
FROM pg_catalog.pg_extension e
JOIN pg_catalog.pg_namespace n ON n.oid = e.extnamespace
LEFT JOIN pg_catalog.pg_description d
       ON d.objoid = e.oid AND d.classoid = 'pg_catalog.pg_extension'::pg_catalog.regclass AND d.objsubid = 0
