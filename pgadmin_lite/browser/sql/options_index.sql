-- Create-index dialog: the index access methods installed.
SELECT ARRAY(SELECT amname::text FROM pg_catalog.pg_am WHERE amtype = 'i' ORDER BY amname <> 'btree', amname)
       AS methods
