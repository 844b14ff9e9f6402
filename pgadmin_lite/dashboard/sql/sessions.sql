-- Dashboard: sessions (this probe aside) with their ages, and whether the current role may cancel/terminate each:
-- superusers may; others only client backends of non-superuser roles whose privileges they have, or with
-- pg_signal_backend (the rule pg_cancel_backend itself applies).
SELECT a.pid, a.usename AS user, a.datname AS database, a.application_name,
       CASE WHEN a.client_port = -1 THEN 'local socket' ELSE pg_catalog.host(a.client_addr) END AS client,
       a.client_hostname, a.client_port, a.backend_type, a.state, a.wait_event_type, a.wait_event, a.query,
       a.backend_start, a.xact_start, a.query_start, a.state_change,
       EXTRACT(epoch FROM pg_catalog.now() - a.xact_start)::float8 AS transaction_age_s,
       EXTRACT(epoch FROM pg_catalog.now() - a.query_start)::float8 AS query_age_s,
       CASE WHEN a.wait_event_type = 'Lock' THEN pg_catalog.pg_blocking_pids(a.pid) END AS blocked_by,
       CASE WHEN me.rolsuper THEN a.backend_type IN ('client backend', 'autovacuum worker', 'background worker',
                                                     'walsender')
            WHEN a.backend_type <> 'client backend' OR r.oid IS NULL OR r.rolsuper THEN false
            ELSE pg_catalog.pg_has_role(r.oid, 'USAGE') OR pg_catalog.pg_has_role('pg_signal_backend', 'USAGE')
       END AS can_signal
FROM pg_catalog.pg_stat_activity a
CROSS JOIN (SELECT rolsuper FROM pg_catalog.pg_roles WHERE rolname = CURRENT_USER) me
LEFT JOIN pg_catalog.pg_roles r ON r.oid = a.usesysid
WHERE a.pid <> pg_catalog.pg_backend_pid() AND (%(db)s::text IS NULL OR a.datname = %(db)s)
ORDER BY a.backend_type <> 'client backend', a.xact_start NULLS LAST, a.pid
