-- Tree: how many databases (of the server's database list, if any), roles and tablespaces a server node holds.
SELECT (SELECT count(*) FROM pg_catalog.pg_database
        WHERE (%(system)s OR NOT datistemplate)
          AND (%(databases)s::text[] IS NULL OR datname = ANY(%(databases)s::text[]))) AS databases,
       (SELECT count(*) FROM pg_catalog.pg_roles WHERE %(system)s OR rolname !~ '^pg_') AS roles,
       (SELECT count(*) FROM pg_catalog.pg_tablespace) AS tablespaces
