-- Create/alter table: does PostgreSQL's own type parser accept this text as exactly one existing type?
SELECT pg_catalog.to_regtype(%(type)s) IS NOT NULL AS ok
