-- Create-role dialog: the roles a new role can be made a member of, and how passwords get hashed.
SELECT ARRAY(SELECT rolname::text FROM pg_catalog.pg_roles ORDER BY rolname ~ '^pg_', rolname) AS roles,
       pg_catalog.current_setting('password_encryption') AS password_encryption
