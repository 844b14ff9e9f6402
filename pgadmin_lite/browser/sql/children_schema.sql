-- Tree: how many objects of each kind a schema node holds (no row: no such schema).
-- One pass over pg_class, one over pg_type: composite types are counted from their pg_class rows, and arrays
-- (category A with an element type) are left out without looking each one up.
WITH ns AS (SELECT n.oid FROM pg_catalog.pg_namespace n WHERE n.nspname = %(name)s),
rel AS (
    SELECT count(*) FILTER (WHERE c.relkind IN ('r', 'p') AND NOT c.relispartition) AS tables,
           count(*) FILTER (WHERE c.relkind = 'v') AS views,
           count(*) FILTER (WHERE c.relkind = 'm') AS materialized_views,
           count(*) FILTER (WHERE c.relkind = 'S') AS sequences,
           count(*) FILTER (WHERE c.relkind = 'c') AS composites
    FROM pg_catalog.pg_class c WHERE c.relnamespace = (SELECT oid FROM ns)),
typ AS (
    SELECT count(*) FILTER (WHERE t.typtype IN ('b', 'e', 'r')
                              AND NOT (t.typcategory = 'A' AND t.typelem <> 0)) AS plain_types,
           count(*) FILTER (WHERE t.typtype = 'd') AS domains
    FROM pg_catalog.pg_type t WHERE t.typnamespace = (SELECT oid FROM ns)),
fn AS (
    SELECT count(*) AS functions FROM pg_catalog.pg_proc p
    WHERE p.pronamespace = (SELECT oid FROM ns) AND p.prokind IN ('f', 'p', 'w'))
SELECT rel.tables, rel.views, rel.materialized_views, fn.functions, rel.sequences,
       typ.plain_types + rel.composites AS types, typ.domains
FROM ns, rel, typ, fn
