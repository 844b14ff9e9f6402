-- Completion: tables, views, materialized views, foreign tables and sequences, each with its columns in order,
-- as one JSON array built here (passed to the page as is). At most %(limit)s relations and, in all, about
-- %(max_columns)s columns (the relations past that bound come without theirs); is_cut / columns_cut say so.
WITH listed AS (
    SELECT c.oid, n.nspname AS schema, c.relname AS name, c.relkind::text AS kind,
           pg_catalog.row_number() OVER (ORDER BY n.nspname, c.relname) AS n,
           pg_catalog.sum(c.relnatts) OVER (ORDER BY n.nspname, c.relname) AS columns_upto
    FROM pg_catalog.pg_class c
    JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
    WHERE c.relkind IN ('r', 'p', 'v', 'm', 'f', 'S')
      AND (n.nspname !~ '^pg_(toast|temp_|toast_temp_)' OR n.oid = pg_catalog.pg_my_temp_schema())
    ORDER BY n.nspname, c.relname
    LIMIT %(limit)s + 1
)
SELECT COALESCE(pg_catalog.json_agg(pg_catalog.json_build_object(
           'schema', l.schema, 'name', l.name, 'kind', l.kind, 'columns',
           CASE WHEN l.columns_upto > %(max_columns)s THEN '[]'::json ELSE COALESCE(
               (SELECT pg_catalog.json_agg(pg_catalog.json_build_object(
                           'name', a.attname, 'type', pg_catalog.format_type(a.atttypid, a.atttypmod))
                           ORDER BY a.attnum)
                FROM pg_catalog.pg_attribute a
                WHERE a.attrelid = l.oid AND a.attnum > 0 AND NOT a.attisdropped), '[]'::json) END)
           ORDER BY l.n) FILTER (WHERE l.n <= %(limit)s), '[]'::json)::text AS items,
       pg_catalog.count(*) > %(limit)s AS is_cut,
       COALESCE(pg_catalog.bool_or(l.columns_upto > %(max_columns)s), false) AS columns_cut
FROM listed l
