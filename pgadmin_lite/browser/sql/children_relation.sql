-- Tree: the sub-object counts of a table, view or materialized view node (no row: no such relation).
SELECT c.relkind::text AS relkind,
       (SELECT count(*) FROM pg_catalog.pg_attribute a
        WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped) AS columns,
       (SELECT count(*) FROM pg_catalog.pg_constraint con
        WHERE con.conrelid = c.oid AND con.contype <> 'n') AS constraints,
       (SELECT count(*) FROM pg_catalog.pg_index i WHERE i.indrelid = c.oid) AS indexes,
       (SELECT count(*) FROM pg_catalog.pg_trigger tg WHERE tg.tgrelid = c.oid AND NOT tg.tgisinternal) AS triggers,
       (SELECT count(*) FROM pg_catalog.pg_policy p WHERE p.polrelid = c.oid) AS policies,
       (SELECT count(*) FROM pg_catalog.pg_inherits inh WHERE inh.inhparent = c.oid) AS partitions
FROM pg_catalog.pg_class c
JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname = %(schema)s AND c.relname = %(name)s AND c.relkind IN ('r', 'p', 'v', 'm', 'f')
