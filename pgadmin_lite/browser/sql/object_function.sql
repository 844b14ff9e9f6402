-- Object: one function or procedure, told apart from its overloads by its identity arguments.
SELECT p.oid, 'pg_catalog.pg_proc'::pg_catalog.regclass::oid AS classid, p.proname AS name, n.nspname AS schema,
       pg_catalog.pg_get_function_identity_arguments(p.oid) AS args,
       CASE p.prokind WHEN 'p' THEN 'procedure' WHEN 'w' THEN 'window' ELSE 'function' END AS function_kind,
       pg_catalog.pg_get_function_arguments(p.oid) AS arguments,
       CASE WHEN p.prokind <> 'p' THEN pg_catalog.pg_get_function_result(p.oid) END AS returns,
       l.lanname AS language,
       CASE p.provolatile WHEN 'i' THEN 'immutable' WHEN 's' THEN 'stable' ELSE 'volatile' END AS volatility,
       p.proisstrict AS is_strict, p.prosecdef AS security_definer, p.procost AS cost, p.prorows AS rows,
       pg_catalog.pg_get_functiondef(p.oid) AS definition,
       pg_catalog.pg_get_userbyid(p.proowner) AS owner, p.proacl IS NOT NULL AS has_acl, d.description AS comment,
       (SELECT pg_catalog.json_agg(pg_catalog.json_build_object(
           'grantee', CASE WHEN a.grantee = 0 THEN NULL ELSE pg_catalog.pg_get_userbyid(a.grantee) END,
           'privilege', a.privilege_type, 'grantable', a.is_grantable) ORDER BY a.grantee, a.privilege_type)
        FROM pg_catalog.aclexplode(p.proacl) a) AS grants
FROM pg_catalog.pg_proc p
JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace
JOIN pg_catalog.pg_language l ON l.oid = p.prolang
LEFT JOIN pg_catalog.pg_description d
       ON d.objoid = p.oid AND d.classoid = 'pg_catalog.pg_proc'::pg_catalog.regclass AND d.objsubid = 0
WHERE n.nspname = %(schema)s AND p.proname = %(name)s AND p.prokind IN ('f', 'p', 'w')
  AND pg_catalog.pg_get_function_identity_arguments(p.oid) = %(args)s
