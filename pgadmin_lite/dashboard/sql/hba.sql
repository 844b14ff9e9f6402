-- Dashboard: the rules of pg_hba.conf as the server parsed them (superusers, or roles granted the view).
SELECT pg_catalog.to_jsonb(h) AS rule
FROM pg_catalog.pg_hba_file_rules h
ORDER BY h.line_number
