-- Editable results: a result's source table by oid, its columns by attnum, and its keys (the primary key first,
-- then each unique, non-partial, column-only index whose columns are all NOT NULL), as attnums in key order.
SELECT n.nspname::text AS schema, c.relname::text AS name, c.relkind::text AS relkind,
       ARRAY(SELECT a.attnum::int FROM pg_catalog.pg_attribute a
             WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum) AS attnums,
       ARRAY(SELECT a.attname::text FROM pg_catalog.pg_attribute a
             WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum) AS attnames,
       ARRAY(SELECT (SELECT pg_catalog.string_agg(k.attnum::text, ',' ORDER BY k.position)
                     FROM pg_catalog.unnest(i.indkey) WITH ORDINALITY AS k(attnum, position)
                     WHERE k.position <= i.indnkeyatts)
             FROM pg_catalog.pg_index i
             WHERE i.indrelid = c.oid AND i.indisunique AND i.indisvalid AND i.indpred IS NULL
               AND i.indexprs IS NULL
               AND NOT EXISTS (SELECT FROM pg_catalog.pg_attribute a
                               WHERE a.attrelid = c.oid AND a.attnum = ANY (i.indkey) AND NOT a.attnotnull)
             ORDER BY i.indisprimary DESC, i.indnatts, i.indexrelid) AS keys
FROM pg_catalog.pg_class c
JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
WHERE c.oid = %(oid)s
