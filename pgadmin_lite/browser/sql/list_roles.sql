-- Tree: login and group roles (predefined pg_* roles only with system), their attributes and memberships.
SELECT r.rolname AS name, r.oid, r.rolname AS sort_key,
       CASE WHEN r.rolcanlogin THEN 'login' ELSE 'group' END AS role_type,
       r.rolcanlogin AS can_login, r.rolsuper AS is_superuser, r.rolcreatedb AS can_create_db,
       r.rolcreaterole AS can_create_role, r.rolinherit AS inherits, r.rolreplication AS is_replication,
       r.rolbypassrls AS bypasses_rls, r.rolconnlimit AS connection_limit, r.rolvaliduntil AS valid_until,
       coalesce(m.member_of, '{}') AS member_of, s.description AS comment
FROM pg_catalog.pg_roles r
LEFT JOIN (SELECT am.member, pg_catalog.array_agg(DISTINCT g.rolname ORDER BY g.rolname) AS member_of
           FROM pg_catalog.pg_auth_members am
           JOIN pg_catalog.pg_roles g ON g.oid = am.roleid
           GROUP BY am.member) m ON m.member = r.oid
LEFT JOIN pg_catalog.pg_shdescription s
       ON s.objoid = r.oid AND s.classoid = 'pg_catalog.pg_authid'::pg_catalog.regclass
WHERE %(system)s OR r.rolname !~ '^pg_'
