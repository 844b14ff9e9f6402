-- Properties: a relation's sizes as pg_size_pretty writes them (total, heap, indexes, TOAST and maps).
SELECT pg_catalog.pg_size_pretty(pg_catalog.pg_total_relation_size(%(oid)s)) AS total,
       pg_catalog.pg_size_pretty(pg_catalog.pg_relation_size(%(oid)s)) AS heap,
       pg_catalog.pg_size_pretty(pg_catalog.pg_indexes_size(%(oid)s)) AS indexes,
       pg_catalog.pg_size_pretty(pg_catalog.pg_table_size(%(oid)s) - pg_catalog.pg_relation_size(%(oid)s)) AS toast
