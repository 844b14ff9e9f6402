-- Tree: event triggers with their event, function, tags and enabled state.
SELECT t.evtname AS name, t.oid, t.evtname AS sort_key,
       t.evtevent AS event, t.evtfoid::pg_catalog.regprocedure::text AS function,
       CASE t.evtenabled WHEN 'O' THEN 'origin' WHEN 'D' THEN 'disabled' WHEN 'R' THEN 'replica'
                         WHEN 'A' THEN 'always' END AS enabled,
       t.evttags AS tags, pg_catalog.pg_get_userbyid(t.evtowner) AS owner,
       d.description AS comment
FROM pg_catalog.pg_event_trigger t
LEFT JOIN pg_catalog.pg_description d
       ON d.objoid = t.oid AND d.classoid = 'pg_catalog.pg_event_trigger'::pg_catalog.regclass AND d.objsubid = 0
