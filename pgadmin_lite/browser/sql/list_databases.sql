-- Tree: databases (templates only with system; only those of the server's database list when it has one), with owner, encoding, collation and size where one may connect.
-- It pages itself: pg_database_size walks a database's files, so it runs for the page only, not for every match.
WITH matched AS MATERIALIZED (
    SELECT d.oid, d.datname
    FROM pg_catalog.pg_database d
    WHERE (%(system)s OR NOT d.datistemplate)
      AND (%(databases)s::text[] IS NULL OR d.datname = ANY(%(databases)s::text[]))
      AND (%(pattern)s::text IS NULL OR d.datname ILIKE %(pattern)s)),
page AS (SELECT * FROM matched ORDER BY datname LIMIT %(limit)s OFFSET %(offset)s)
SELECT counted.total, d.datname AS name, d.oid, d.datallowconn AS has_children,
       pg_catalog.pg_get_userbyid(d.datdba) AS owner,
       pg_catalog.pg_encoding_to_char(d.encoding) AS encoding,
       d.datcollate AS collation, d.datctype AS ctype,
       d.datistemplate AS is_template, d.datallowconn AS allows_connections, d.datconnlimit AS connection_limit,
       CASE WHEN pg_catalog.has_database_privilege(d.oid, 'CONNECT')
            THEN pg_catalog.pg_database_size(d.oid) END AS size_bytes,
       s.description AS comment
FROM (SELECT count(*) AS total FROM matched) AS counted
LEFT JOIN page ON true
LEFT JOIN pg_catalog.pg_database d ON d.oid = page.oid
LEFT JOIN pg_catalog.pg_shdescription s
       ON s.objoid = d.oid AND s.classoid = 'pg_catalog.pg_database'::pg_catalog.regclass
ORDER BY d.datname
