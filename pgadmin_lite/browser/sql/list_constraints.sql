-- Tree: constraints of a table (primary, unique, foreign, check, exclusion; PostgreSQL 18's NOT NULL rows aside).
SELECT con.conname AS name, con.oid,
       pg_catalog.strpos('pufcxt', con.contype::text)::text || con.conname AS sort_key,
       CASE con.contype WHEN 'p' THEN 'primary key' WHEN 'u' THEN 'unique' WHEN 'f' THEN 'foreign key'
                        WHEN 'c' THEN 'check' WHEN 'x' THEN 'exclusion' WHEN 't' THEN 'trigger'
                        ELSE con.contype::text END AS constraint_type,
       pg_catalog.pg_get_constraintdef(con.oid, true) AS definition,
       CASE WHEN con.confrelid <> 0 THEN con.confrelid::pg_catalog.regclass::text END AS references_table,
       con.condeferrable AS is_deferrable, con.condeferred AS is_deferred, con.convalidated AS is_validated,
       con.conislocal AS is_local, d.description AS comment
FROM pg_catalog.pg_constraint con
JOIN pg_catalog.pg_class c ON c.oid = con.conrelid
JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
LEFT JOIN pg_catalog.pg_description d
       ON d.objoid = con.oid AND d.classoid = 'pg_catalog.pg_constraint'::pg_catalog.regclass AND d.objsubid = 0
WHERE n.nspname = %(schema)s AND c.relname = %(table)s AND con.contype <> 'n'
  AND (%(name)s::text IS NULL OR con.conname = %(name)s)
