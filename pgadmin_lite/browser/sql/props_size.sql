-- Properties: the size of a database or tablespace as pg_size_pretty writes it (NULL when not readable).
SELECT CASE WHEN %(catalog)s = 'pg_database' AND pg_catalog.has_database_privilege(%(oid)s::oid, 'CONNECT')
            THEN pg_catalog.pg_size_pretty(pg_catalog.pg_database_size(%(oid)s::oid))
            WHEN %(catalog)s = 'pg_tablespace'
            THEN pg_catalog.pg_size_pretty(pg_catalog.pg_tablespace_size(%(oid)s::oid)) END AS size
