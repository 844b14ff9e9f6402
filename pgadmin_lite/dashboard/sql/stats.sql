-- Dashboard graphs: raw counters with the server's clock, so the UI computes rates between two polls.
WITH act AS (
    SELECT a.state FROM pg_catalog.pg_stat_activity a
    WHERE a.backend_type = 'client backend' AND a.pid <> pg_catalog.pg_backend_pid()
      AND (%(db)s::text IS NULL OR a.datname = %(db)s)),
db AS (
    SELECT * FROM pg_catalog.pg_stat_database d WHERE %(db)s::text IS NULL OR d.datname = %(db)s)
SELECT pg_catalog.clock_timestamp() AS timestamp,
       EXTRACT(epoch FROM pg_catalog.clock_timestamp())::float8 AS epoch,
       (SELECT pg_catalog.json_build_object(
            'total', count(*),
            'active', count(*) FILTER (WHERE state = 'active'),
            'idle', count(*) FILTER (WHERE state = 'idle'),
            'idle_in_transaction', count(*) FILTER (WHERE state LIKE 'idle in transaction%%'),
            'other', count(*) FILTER (WHERE state IS NULL OR state NOT IN ('active', 'idle')
                                            AND state NOT LIKE 'idle in transaction%%'))
        FROM act) AS sessions,
       (SELECT pg_catalog.json_build_object(
            'xact_commit', coalesce(sum(xact_commit), 0)::bigint,
            'xact_rollback', coalesce(sum(xact_rollback), 0)::bigint,
            'tup_inserted', coalesce(sum(tup_inserted), 0)::bigint,
            'tup_updated', coalesce(sum(tup_updated), 0)::bigint,
            'tup_deleted', coalesce(sum(tup_deleted), 0)::bigint,
            'tup_fetched', coalesce(sum(tup_fetched), 0)::bigint,
            'tup_returned', coalesce(sum(tup_returned), 0)::bigint,
            'blks_read', coalesce(sum(blks_read), 0)::bigint,
            'blks_hit', coalesce(sum(blks_hit), 0)::bigint)
        FROM db) AS counters
