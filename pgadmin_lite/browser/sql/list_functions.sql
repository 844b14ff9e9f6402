-- Tree: functions and procedures of a schema; args (identity arguments) tells overloads apart in a ref.
SELECT p.proname AS name, p.oid,
       pg_catalog.pg_get_function_identity_arguments(p.oid) AS args,
       p.proname || '(' || pg_catalog.pg_get_function_identity_arguments(p.oid) || ')' AS label,
       p.proname || '(' || pg_catalog.pg_get_function_identity_arguments(p.oid) || ')' AS sort_key,
       CASE p.prokind WHEN 'p' THEN 'procedure' WHEN 'w' THEN 'window' ELSE 'function' END AS function_kind,
       CASE WHEN p.prokind <> 'p' THEN pg_catalog.pg_get_function_result(p.oid) END AS returns,
       l.lanname AS language, pg_catalog.pg_get_userbyid(p.proowner) AS owner, d.description AS comment
FROM pg_catalog.pg_proc p
JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace
JOIN pg_catalog.pg_language l ON l.oid = p.prolang
LEFT JOIN pg_catalog.pg_description d
       ON d.objoid = p.oid AND d.classoid = 'pg_catalog.pg_proc'::pg_catalog.regclass AND d.objsubid = 0
WHERE n.nspname = %(schema)s AND p.prokind IN ('f', 'p', 'w')
