-- Statistics: size, scans and block I/O of an index.
SELECT pg_catalog.pg_relation_size(c.oid) AS size_bytes, c.relpages AS pages,
       CASE WHEN c.reltuples >= 0 THEN c.reltuples::bigint END AS entries_estimate,
       s.idx_scan, s.idx_tup_read, s.idx_tup_fetch, io.idx_blks_read, io.idx_blks_hit
FROM pg_catalog.pg_class c
LEFT JOIN pg_catalog.pg_stat_all_indexes s ON s.indexrelid = c.oid
LEFT JOIN pg_catalog.pg_statio_all_indexes io ON io.indexrelid = c.oid
WHERE c.oid = %(oid)s
