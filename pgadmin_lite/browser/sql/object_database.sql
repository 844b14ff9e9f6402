-- Object: one database with everything its properties panel and CREATE DATABASE need.
SELECT d.oid, 'pg_catalog.pg_database'::pg_catalog.regclass::oid AS classid, d.datname AS name,
       pg_catalog.pg_get_userbyid(d.datdba) AS owner,
       pg_catalog.pg_encoding_to_char(d.encoding) AS encoding, d.datcollate AS lc_collate, d.datctype AS lc_ctype,
       pg_catalog.to_jsonb(d) ->> 'datlocprovider' AS locale_provider,
       coalesce(pg_catalog.to_jsonb(d) ->> 'datlocale', pg_catalog.to_jsonb(d) ->> 'daticulocale') AS icu_locale,
       t.spcname AS tablespace, d.datconnlimit AS connection_limit, d.datallowconn AS allow_connections,
       d.datistemplate AS is_template, d.datacl IS NOT NULL AS has_acl,
       CASE WHEN pg_catalog.has_database_privilege(d.oid, 'CONNECT')
            THEN pg_catalog.pg_database_size(d.oid) END AS size_bytes,
       s.description AS comment,
       (SELECT pg_catalog.json_agg(pg_catalog.json_build_object(
           'grantee', CASE WHEN a.grantee = 0 THEN NULL ELSE pg_catalog.pg_get_userbyid(a.grantee) END,
           'privilege', a.privilege_type, 'grantable', a.is_grantable) ORDER BY a.grantee, a.privilege_type)
        FROM pg_catalog.aclexplode(d.datacl) a) AS grants
FROM pg_catalog.pg_database d
JOIN pg_catalog.pg_tablespace t ON t.oid = d.dattablespace
LEFT JOIN pg_catalog.pg_shdescription s
       ON s.objoid = d.oid AND s.classoid = 'pg_catalog.pg_database'::pg_catalog.regclass
WHERE d.datname = %(name)s
