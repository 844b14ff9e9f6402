-- Object: one tablespace.
SELECT t.oid, 'pg_catalog.pg_tablespace'::pg_catalog.regclass::oid AS classid, t.spcname AS name,
       pg_catalog.pg_get_userbyid(t.spcowner) AS owner, pg_catalog.pg_tablespace_location(t.oid) AS location,
       t.spcoptions AS options, t.spcacl IS NOT NULL AS has_acl, s.description AS comment,
       (SELECT pg_catalog.json_agg(pg_catalog.json_build_object(
           'grantee', CASE WHEN a.grantee = 0 THEN NULL ELSE pg_catalog.pg_get_userbyid(a.grantee) END,
           'privilege', a.privilege_type, 'grantable', a.is_grantable) ORDER BY a.grantee, a.privilege_type)
        FROM pg_catalog.aclexplode(t.spcacl) a) AS grants
FROM pg_catalog.pg_tablespace t
LEFT JOIN pg_catalog.pg_shdescription s
       ON s.objoid = t.oid AND s.classoid = 'pg_catalog.pg_tablespace'::pg_catalog.regclass
WHERE t.spcname = %(name)s
