-- Object: one schema with owner, comment and grants.
SELECT n.oid, 'pg_catalog.pg_namespace'::pg_catalog.regclass::oid AS classid, n.nspname AS name,
       pg_catalog.pg_get_userbyid(n.nspowner) AS owner, n.nspacl IS NOT NULL AS has_acl,
       (n.nspname ~ '^pg_' OR n.nspname = 'information_schema') AS is_system, d.description AS comment,
       (SELECT pg_catalog.json_agg(pg_catalog.json_build_object(
           'grantee', CASE WHEN a.grantee = 0 THEN NULL ELSE pg_catalog.pg_get_userbyid(a.grantee) END,
           'privilege', a.privilege_type, 'grantable', a.is_grantable) ORDER BY a.grantee, a.privilege_type)
        FROM pg_catalog.aclexplode(n.nspacl) a) AS grants
FROM pg_catalog.pg_namespace n
LEFT JOIN pg_catalog.pg_description d
       ON d.objoid = n.oid AND d.classoid = 'pg_catalog.pg_namespace'::pg_catalog.regclass AND d.objsubid = 0
WHERE n.nspname = %(name)s
