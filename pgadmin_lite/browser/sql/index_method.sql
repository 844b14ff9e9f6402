-- Create index: is this an installed index access method?
SELECT 1 AS ok FROM pg_catalog.pg_am WHERE amname = %(method)s AND amtype = 'i'
