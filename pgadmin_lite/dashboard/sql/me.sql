-- Dashboard: who the dashboard connects as, and what that lets it do.
SELECT CURRENT_USER AS role, r.rolsuper AS is_superuser,
       pg_catalog.pg_has_role('pg_signal_backend', 'USAGE') AS has_signal_backend,
       pg_catalog.current_setting('server_version') AS server_version
FROM pg_catalog.pg_roles r
WHERE r.rolname = CURRENT_USER
