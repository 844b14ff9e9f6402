-- Statistics: block I/O of a sequence.
SELECT pg_catalog.pg_relation_size(c.oid) AS size_bytes, io.blks_read, io.blks_hit
FROM pg_catalog.pg_class c
LEFT JOIN pg_catalog.pg_statio_all_sequences io ON io.relid = c.oid
WHERE c.oid = %(oid)s
