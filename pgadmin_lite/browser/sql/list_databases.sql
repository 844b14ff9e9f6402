-- Tree: databases (templates only with system), with owner, encoding, collation and size where one may connect.
SELECT d.datname AS name, d.oid, d.datname AS sort_key,
       d.datallowconn AS has_children,
       pg_catalog.pg_get_userbyid(d.datdba) AS owner,
       pg_catalog.pg_encoding_to_char(d.encoding) AS encoding,
       d.datcollate AS collation, d.datctype AS ctype,
       d.datistemplate AS is_template, d.datallowconn AS allows_connections, d.datconnlimit AS connection_limit,
       CASE WHEN pg_catalog.has_database_privilege(d.oid, 'CONNECT')
            THEN pg_catalog.pg_database_size(d.oid) END AS size_bytes,
       s.description AS comment
FROM pg_catalog.pg_database d
LEFT JOIN pg_catalog.pg_shdescription s
       ON s.objoid = d.oid AND s.classoid = 'pg_catalog.pg_database'::pg_catalog.regclass
WHERE %(system)s OR NOT d.datistemplate
