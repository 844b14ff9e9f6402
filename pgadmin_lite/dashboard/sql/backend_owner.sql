-- Dashboard: whether the backend runs as the dashboard's own role (acting on other roles' needs a permission).
SELECT a.usename IS NOT DISTINCT FROM CURRENT_USER AS is_own
FROM pg_catalog.pg_stat_activity a
WHERE a.pid = %(pid)s
