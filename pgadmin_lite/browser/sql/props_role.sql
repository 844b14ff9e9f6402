-- Properties: what a role's panel shows beyond object_role.sql: valid until as text (infinity included),
-- and its memberships with the admin option and grantor.
SELECT CASE WHEN r.rolvaliduntil IS NULL THEN NULL
            WHEN NOT pg_catalog.isfinite(r.rolvaliduntil) THEN 'never (infinity)'
            ELSE pg_catalog.to_char(r.rolvaliduntil, 'YYYY-MM-DD HH24:MI:SS TZ') END AS valid_until,
       (SELECT pg_catalog.json_agg(pg_catalog.json_build_object(
                  'role', g.rolname, 'admin_option', m.admin_option,
                  'grantor', pg_catalog.pg_get_userbyid(m.grantor)) ORDER BY g.rolname)
        FROM pg_catalog.pg_auth_members m JOIN pg_catalog.pg_roles g ON g.oid = m.roleid
        WHERE m.member = r.oid) AS memberships
FROM pg_catalog.pg_roles r
WHERE r.oid = %(oid)s
