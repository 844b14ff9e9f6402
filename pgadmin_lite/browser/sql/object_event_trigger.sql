-- Object: one event trigger; function_schema/function_name let DDL quote the function safely.
SELECT t.oid, 'pg_catalog.pg_event_trigger'::pg_catalog.regclass::oid AS classid, t.evtname AS name,
       t.evtevent AS event, t.evtenabled::text AS enabled_code, t.evttags AS tags,
       fn.nspname AS function_schema, p.proname AS function_name,
       pg_catalog.pg_get_userbyid(t.evtowner) AS owner, d.description AS comment
FROM pg_catalog.pg_event_trigger t
JOIN pg_catalog.pg_proc p ON p.oid = t.evtfoid
JOIN pg_catalog.pg_namespace fn ON fn.oid = p.pronamespace
LEFT JOIN pg_catalog.pg_description d
       ON d.objoid = t.oid AND d.classoid = 'pg_catalog.pg_event_trigger'::pg_catalog.regclass AND d.objsubid = 0
WHERE t.evtname = %(name)s
