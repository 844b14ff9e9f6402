-- Tree: how many databases, roles and tablespaces a server node holds (one query per expand).
SELECT (SELECT count(*) FROM pg_catalog.pg_database WHERE %(system)s OR NOT datistemplate) AS databases,
       (SELECT count(*) FROM pg_catalog.pg_roles WHERE %(system)s OR rolname !~ '^pg_') AS roles,
       (SELECT count(*) FROM pg_catalog.pg_tablespace) AS tablespaces
