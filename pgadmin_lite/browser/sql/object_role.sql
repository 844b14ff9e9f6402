-- Object: one role's attributes, memberships (distinct: PostgreSQL 16+ records one grant per grantor) and comment.
-- Never its password.
SELECT r.oid, 'pg_catalog.pg_authid'::pg_catalog.regclass::oid AS classid, r.rolname AS name,
       r.rolcanlogin AS login, r.rolsuper AS superuser, r.rolcreatedb AS createdb, r.rolcreaterole AS createrole,
       r.rolinherit AS inherit, r.rolreplication AS replication, r.rolbypassrls AS bypassrls,
       r.rolconnlimit AS connection_limit, r.rolvaliduntil AS valid_until,
       ARRAY(SELECT DISTINCT g.rolname FROM pg_catalog.pg_auth_members m JOIN pg_catalog.pg_roles g ON g.oid = m.roleid
             WHERE m.member = r.oid ORDER BY g.rolname) AS member_of,
       ARRAY(SELECT DISTINCT u.rolname FROM pg_catalog.pg_auth_members m JOIN pg_catalog.pg_roles u ON u.oid = m.member
             WHERE m.roleid = r.oid ORDER BY u.rolname) AS members,
       s.description AS comment
FROM pg_catalog.pg_roles r
LEFT JOIN pg_catalog.pg_shdescription s
       ON s.objoid = r.oid AND s.classoid = 'pg_catalog.pg_authid'::pg_catalog.regclass
WHERE r.rolname = %(name)s
