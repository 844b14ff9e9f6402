-- Create-database dialog: templates, server encodings (ids 0-34 are the server-side ones), libc locales,
-- tablespaces and roles, plus template1's encoding and locale (what a template1 copy must keep).
SELECT ARRAY(SELECT datname::text FROM pg_catalog.pg_database WHERE datistemplate ORDER BY datname) AS templates,
       ARRAY(SELECT pg_catalog.pg_encoding_to_char(i)::text FROM pg_catalog.generate_series(0, 34) AS i
             WHERE pg_catalog.pg_encoding_to_char(i) <> '' ORDER BY 1) AS encodings,
       ARRAY(SELECT DISTINCT collcollate::text FROM pg_catalog.pg_collation
             WHERE collprovider = 'c' AND collcollate IS NOT NULL ORDER BY 1) AS locales,
       ARRAY(SELECT spcname::text FROM pg_catalog.pg_tablespace WHERE spcname <> 'pg_global' ORDER BY 1) AS tablespaces,
       ARRAY(SELECT rolname::text FROM pg_catalog.pg_roles WHERE rolname !~ '^pg_' ORDER BY 1) AS roles,
       (SELECT pg_catalog.json_build_object('encoding', pg_catalog.pg_encoding_to_char(encoding),
                                            'lc_collate', datcollate, 'lc_ctype', datctype)
        FROM pg_catalog.pg_database WHERE datname = 'template1') AS template1
