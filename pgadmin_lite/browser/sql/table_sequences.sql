-- DDL: sequences owned by a table's columns (serial columns; identity sequences are part of the column).
SELECT sn.nspname AS schema, s.relname AS name, a.attname AS column_name,
       pg_catalog.format_type(q.seqtypid, NULL) AS data_type, q.seqstart AS start, q.seqincrement AS increment,
       q.seqmin AS min_value, q.seqmax AS max_value, q.seqcache AS cache, q.seqcycle AS cycle
FROM pg_catalog.pg_depend d
JOIN pg_catalog.pg_class s ON s.oid = d.objid AND s.relkind = 'S'
JOIN pg_catalog.pg_namespace sn ON sn.oid = s.relnamespace
JOIN pg_catalog.pg_sequence q ON q.seqrelid = s.oid
JOIN pg_catalog.pg_attribute a ON a.attrelid = d.refobjid AND a.attnum = d.refobjsubid
WHERE d.classid = 'pg_catalog.pg_class'::pg_catalog.regclass AND d.refclassid = 'pg_catalog.pg_class'::pg_catalog.regclass
  AND d.refobjid = %(oid)s AND d.deptype = 'a'
ORDER BY a.attnum, s.relname
