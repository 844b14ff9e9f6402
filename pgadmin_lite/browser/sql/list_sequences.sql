-- Tree: sequences of a schema with their data type.
SELECT c.relname AS name, c.oid, c.relname AS sort_key,
       pg_catalog.format_type(s.seqtypid, NULL) AS data_type,
       pg_catalog.pg_get_userbyid(c.relowner) AS owner, d.description AS comment
FROM pg_catalog.pg_class c
JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
JOIN pg_catalog.pg_sequence s ON s.seqrelid = c.oid
LEFT JOIN pg_catalog.pg_description d
       ON d.objoid = c.oid AND d.classoid = 'pg_catalog.pg_class'::pg_catalog.regclass AND d.objsubid = 0
WHERE n.nspname = %(schema)s AND c.relkind = 'S'
