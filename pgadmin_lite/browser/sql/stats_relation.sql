-- Statistics: sizes, row estimates, scans, tuple counters, block I/O and vacuum/analyze times of a table or matview.
SELECT pg_catalog.pg_relation_size(c.oid) AS table_bytes,
       pg_catalog.pg_indexes_size(c.oid) AS indexes_bytes,
       pg_catalog.pg_table_size(c.oid) - pg_catalog.pg_relation_size(c.oid) AS toast_and_maps_bytes,
       pg_catalog.pg_total_relation_size(c.oid) AS total_bytes,
       CASE WHEN c.reltuples >= 0 THEN c.reltuples::bigint END AS rows_estimate, c.relpages AS pages,
       s.seq_scan, s.seq_tup_read, s.idx_scan, s.idx_tup_fetch,
       s.n_tup_ins AS tuples_inserted, s.n_tup_upd AS tuples_updated, s.n_tup_del AS tuples_deleted,
       s.n_tup_hot_upd AS tuples_hot_updated, s.n_live_tup AS live_tuples, s.n_dead_tup AS dead_tuples,
       s.n_mod_since_analyze AS modified_since_analyze,
       s.last_vacuum, s.last_autovacuum, s.last_analyze, s.last_autoanalyze,
       s.vacuum_count, s.autovacuum_count, s.analyze_count, s.autoanalyze_count,
       io.heap_blks_read, io.heap_blks_hit, io.idx_blks_read, io.idx_blks_hit,
       io.toast_blks_read, io.toast_blks_hit
FROM pg_catalog.pg_class c
LEFT JOIN pg_catalog.pg_stat_all_tables s ON s.relid = c.oid
LEFT JOIN pg_catalog.pg_statio_all_tables io ON io.relid = c.oid
WHERE c.oid = %(oid)s
