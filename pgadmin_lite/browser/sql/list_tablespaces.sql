-- Tree: tablespaces with owner and location (empty for pg_default and pg_global).
SELECT t.spcname AS name, t.oid, t.spcname AS sort_key,
       pg_catalog.pg_get_userbyid(t.spcowner) AS owner,
       pg_catalog.pg_tablespace_location(t.oid) AS location,
       s.description AS comment
FROM pg_catalog.pg_tablespace t
LEFT JOIN pg_catalog.pg_shdescription s
       ON s.objoid = t.oid AND s.classoid = 'pg_catalog.pg_tablespace'::pg_catalog.regclass
