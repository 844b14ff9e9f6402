-- Tree: user triggers of a table or view (internal ones, e.g. for foreign keys, aside).
SELECT tg.tgname AS name, tg.oid, tg.tgname AS sort_key,
       pg_catalog.pg_get_triggerdef(tg.oid, true) AS definition,
       tg.tgfoid::pg_catalog.regprocedure::text AS function,
       CASE tg.tgenabled WHEN 'O' THEN 'origin' WHEN 'D' THEN 'disabled' WHEN 'R' THEN 'replica'
                         WHEN 'A' THEN 'always' END AS enabled,
       tg.tgconstraint <> 0 AS is_constraint_trigger, tg.tgparentid <> 0 AS is_inherited,
       d.description AS comment
FROM pg_catalog.pg_trigger tg
JOIN pg_catalog.pg_class c ON c.oid = tg.tgrelid
JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
LEFT JOIN pg_catalog.pg_description d
       ON d.objoid = tg.oid AND d.classoid = 'pg_catalog.pg_trigger'::pg_catalog.regclass AND d.objsubid = 0
WHERE n.nspname = %(schema)s AND c.relname = %(table)s AND NOT tg.tgisinternal
  AND (%(name)s::text IS NULL OR tg.tgname = %(name)s)
