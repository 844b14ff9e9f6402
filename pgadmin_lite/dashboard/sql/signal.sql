-- Dashboard: cancel (terminate = false) or terminate a backend; false when no such backend exists.
SELECT CASE WHEN %(terminate)s THEN pg_catalog.pg_terminate_backend(%(pid)s)
            ELSE pg_catalog.pg_cancel_backend(%(pid)s) END AS signalled
