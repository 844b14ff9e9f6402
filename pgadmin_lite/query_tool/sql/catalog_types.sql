-- Completion: types one can name after ::, as one JSON array: base types, domains, enums, ranges and
-- free-standing composites (not array types, nor every table's row type). At most %(limit)s; is_cut says more.
WITH listed AS (
    SELECT n.nspname AS schema, t.typname AS name, t.typtype::text AS kind,
           pg_catalog.row_number() OVER (ORDER BY n.nspname, t.typname) AS n
    FROM pg_catalog.pg_type t
    JOIN pg_catalog.pg_namespace n ON n.oid = t.typnamespace
    LEFT JOIN pg_catalog.pg_class c ON c.oid = t.typrelid
    WHERE (t.typrelid = 0 OR c.relkind = 'c')
      AND NOT (t.typelem <> 0 AND t.typlen = -1 AND t.typtype = 'b')
      AND n.nspname <> 'information_schema' AND n.nspname !~ '^pg_(toast|temp_|toast_temp_)'
    ORDER BY n.nspname, t.typname
    LIMIT %(limit)s + 1
)
SELECT COALESCE(pg_catalog.json_agg(pg_catalog.json_build_object('schema', schema, 'name', name, 'kind', kind)
           ORDER BY n) FILTER (WHERE n <= %(limit)s), '[]'::json)::text AS items,
       pg_catalog.count(*) > %(limit)s AS is_cut
FROM listed
