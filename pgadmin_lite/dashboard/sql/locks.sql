-- Dashboard: locks (this probe's aside) with the session holding or awaiting each; waiters list who blocks them.
-- Relations are named only when they live in the connected database (or are shared); others show their oid.
SELECT l.pid, a.usename AS user, a.datname AS database, l.locktype, l.mode, l.granted,
       CASE WHEN l.relation IS NULL THEN NULL
            WHEN l.database IN (0, (SELECT oid FROM pg_catalog.pg_database WHERE datname = pg_catalog.current_database()))
            THEN l.relation::pg_catalog.regclass::text
            ELSE l.relation::text END AS relation,
       l.virtualxid, l.transactionid::text AS transaction_id, l.virtualtransaction, l.page, l.tuple,
       (pg_catalog.to_jsonb(l) ->> 'waitstart')::timestamptz AS wait_start,
       CASE WHEN NOT l.granted THEN pg_catalog.pg_blocking_pids(l.pid) END AS blocked_by,
       a.state, a.query, EXTRACT(epoch FROM pg_catalog.now() - a.query_start)::float8 AS query_age_s
FROM pg_catalog.pg_locks l
LEFT JOIN pg_catalog.pg_stat_activity a ON a.pid = l.pid
WHERE l.pid IS DISTINCT FROM pg_catalog.pg_backend_pid() AND (%(db)s::text IS NULL OR a.datname = %(db)s)
  -- other dashboard probes polling at the same moment are not the user's locks either
  AND COALESCE(a.query, '') NOT LIKE '-- Dashboard:%%'

ORDER BY l.granted, l.pid, l.locktype
