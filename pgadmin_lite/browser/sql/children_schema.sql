-- Tree: how many objects of each kind a schema node holds (no row: no such schema).
SELECT (SELECT count(*) FROM pg_catalog.pg_class c
        WHERE c.relnamespace = n.oid AND c.relkind IN ('r', 'p') AND NOT c.relispartition) AS tables,
       (SELECT count(*) FROM pg_catalog.pg_class c WHERE c.relnamespace = n.oid AND c.relkind = 'v') AS views,
       (SELECT count(*) FROM pg_catalog.pg_class c
        WHERE c.relnamespace = n.oid AND c.relkind = 'm') AS materialized_views,
       (SELECT count(*) FROM pg_catalog.pg_proc p
        WHERE p.pronamespace = n.oid AND p.prokind IN ('f', 'p', 'w')) AS functions,
       (SELECT count(*) FROM pg_catalog.pg_class c WHERE c.relnamespace = n.oid AND c.relkind = 'S') AS sequences,
       (SELECT count(*) FROM pg_catalog.pg_type t
        LEFT JOIN pg_catalog.pg_class r ON r.oid = t.typrelid
        LEFT JOIN pg_catalog.pg_type el ON el.oid = t.typelem AND el.typarray = t.oid
        WHERE t.typnamespace = n.oid AND t.typtype IN ('b', 'c', 'e', 'r')
          AND (r.oid IS NULL OR r.relkind = 'c') AND el.oid IS NULL) AS types,
       (SELECT count(*) FROM pg_catalog.pg_type t WHERE t.typnamespace = n.oid AND t.typtype = 'd') AS domains
FROM pg_catalog.pg_namespace n
WHERE n.nspname = %(name)s
