-- Databases a user can connect to (of the server's database list, if any), with the facts the tree and the "open query tool" picker show.
SELECT d.datname AS name,
       pg_catalog.pg_get_userbyid(d.datdba) AS owner,
       pg_catalog.pg_encoding_to_char(d.encoding) AS encoding,
       d.datcollate AS collation,
       d.datallowconn AS allows_connections,
       CASE WHEN pg_catalog.has_database_privilege(d.oid, 'CONNECT')
            THEN pg_catalog.pg_database_size(d.oid) END AS size_bytes
FROM pg_catalog.pg_database d
WHERE NOT d.datistemplate
  AND (%(databases)s::text[] IS NULL OR d.datname = ANY(%(databases)s::text[]))
ORDER BY d.datname
