-- Dashboard: prepared (two-phase) transactions, which hold their locks until COMMIT/ROLLBACK PREPARED.
SELECT p.gid, p.transaction::text AS transaction_id, p.prepared, p.owner, p.database,
       EXTRACT(epoch FROM pg_catalog.now() - p.prepared)::float8 AS age_s
FROM pg_catalog.pg_prepared_xacts p
WHERE %(db)s::text IS NULL OR p.database = %(db)s
ORDER BY p.prepared
