-- Completion: a cheap fingerprint of the catalog (row counts and newest row versions of what the snapshot reads);
-- DDL changes it, so the page's If-None-Match is answered 304 without reading the snapshot again.
SELECT (SELECT pg_catalog.count(*) || ':' || pg_catalog.max(xmin::text::bigint) FROM pg_catalog.pg_class)
       || '/' || (SELECT pg_catalog.count(*) || ':' || pg_catalog.max(xmin::text::bigint) FROM pg_catalog.pg_attribute)
       || '/' || (SELECT pg_catalog.count(*) || ':' || pg_catalog.max(xmin::text::bigint) FROM pg_catalog.pg_proc)
       || '/' || (SELECT pg_catalog.count(*) || ':' || pg_catalog.max(xmin::text::bigint) FROM pg_catalog.pg_type)
       || '/' || (SELECT pg_catalog.count(*) || ':' || pg_catalog.max(xmin::text::bigint)
                  FROM pg_catalog.pg_namespace) AS version,
       pg_catalog.current_setting('search_path') AS search_path,
       pg_catalog.to_json(pg_catalog.current_schemas(false)) AS search_path_schemas
