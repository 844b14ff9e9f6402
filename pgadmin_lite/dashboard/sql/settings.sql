-- Dashboard: server settings, searchable by name, description or category, with source and pending restart.
SELECT s.name, s.setting, s.unit, s.category, s.short_desc AS description, s.extra_desc, s.context, s.vartype,
       s.source, s.sourcefile, s.sourceline, s.boot_val, s.reset_val, s.min_val, s.max_val, s.enumvals,
       s.pending_restart
FROM pg_catalog.pg_settings s
WHERE (%(pattern)s::text IS NULL OR s.name ILIKE %(pattern)s OR s.short_desc ILIKE %(pattern)s
       OR s.category ILIKE %(pattern)s)
  AND (NOT %(pending_only)s OR s.pending_restart)
ORDER BY s.category, s.name
