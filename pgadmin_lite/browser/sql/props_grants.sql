-- Properties: an object's privileges as a readable table (the defaults acldefault implies when its ACL is unset).
-- One row per grantee, grantor and grant option; grantee 0 is PUBLIC. kind picks the catalog and ACL type.
WITH acl AS (
    SELECT c.relacl AS acl, c.relowner AS owner, CASE WHEN c.relkind = 'S' THEN 's' ELSE 'r' END AS acltype
    FROM pg_catalog.pg_class c WHERE %(catalog)s = 'pg_class' AND c.oid = %(oid)s
    UNION ALL
    SELECT n.nspacl, n.nspowner, 'n' FROM pg_catalog.pg_namespace n WHERE %(catalog)s = 'pg_namespace' AND n.oid = %(oid)s
    UNION ALL
    SELECT d.datacl, d.datdba, 'd' FROM pg_catalog.pg_database d WHERE %(catalog)s = 'pg_database' AND d.oid = %(oid)s
    UNION ALL
    SELECT p.proacl, p.proowner, 'f' FROM pg_catalog.pg_proc p WHERE %(catalog)s = 'pg_proc' AND p.oid = %(oid)s
    UNION ALL
    SELECT t.typacl, t.typowner, 'T' FROM pg_catalog.pg_type t WHERE %(catalog)s = 'pg_type' AND t.oid = %(oid)s
    UNION ALL
    SELECT s.spcacl, s.spcowner, 't' FROM pg_catalog.pg_tablespace s
    WHERE %(catalog)s = 'pg_tablespace' AND s.oid = %(oid)s
)
SELECT CASE WHEN a.grantee = 0 THEN 'PUBLIC' ELSE pg_catalog.pg_get_userbyid(a.grantee)::text END AS grantee,
       pg_catalog.string_agg(a.privilege_type, ', ' ORDER BY a.privilege_type) AS privileges,
       a.is_grantable AS grantable, pg_catalog.pg_get_userbyid(a.grantor)::text AS grantor,
       acl.acl IS NULL AS is_default
FROM acl, pg_catalog.aclexplode(coalesce(acl.acl, pg_catalog.acldefault(acl.acltype::"char", acl.owner))) a
GROUP BY a.grantee, a.grantor, a.is_grantable, acl.acl IS NULL
ORDER BY a.grantee <> 0, 1, a.is_grantable
