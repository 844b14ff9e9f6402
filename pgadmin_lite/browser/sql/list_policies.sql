-- Tree: row-level security policies of a table; roles holds NULL for PUBLIC.
SELECT p.polname AS name, p.oid, p.polname AS sort_key,
       CASE p.polcmd WHEN 'r' THEN 'SELECT' WHEN 'a' THEN 'INSERT' WHEN 'w' THEN 'UPDATE' WHEN 'd' THEN 'DELETE'
                     ELSE 'ALL' END AS command,
       p.polpermissive AS is_permissive,
       ARRAY(SELECT CASE WHEN r.role = 0 THEN NULL ELSE pg_catalog.pg_get_userbyid(r.role) END
             FROM pg_catalog.unnest(p.polroles) AS r(role)) AS roles,
       pg_catalog.pg_get_expr(p.polqual, p.polrelid) AS using_expression,
       pg_catalog.pg_get_expr(p.polwithcheck, p.polrelid) AS check_expression,
       d.description AS comment
FROM pg_catalog.pg_policy p
JOIN pg_catalog.pg_class c ON c.oid = p.polrelid
JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
LEFT JOIN pg_catalog.pg_description d
       ON d.objoid = p.oid AND d.classoid = 'pg_catalog.pg_policy'::pg_catalog.regclass AND d.objsubid = 0
WHERE n.nspname = %(schema)s AND c.relname = %(table)s AND (%(name)s::text IS NULL OR p.polname = %(name)s)
