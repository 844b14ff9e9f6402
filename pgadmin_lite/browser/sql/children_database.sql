-- Tree: how many schemas, extensions and event triggers a database node holds.
SELECT (SELECT count(*) FROM pg_catalog.pg_namespace
        WHERE %(system)s OR NOT (nspname ~ '^pg_' OR nspname = 'information_schema')) AS schemas,
       (SELECT count(*) FROM pg_catalog.pg_extension) AS extensions,
       (SELECT count(*) FROM pg_catalog.pg_event_trigger) AS event_triggers
