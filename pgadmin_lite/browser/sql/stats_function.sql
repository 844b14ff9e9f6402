-- Statistics: calls and time of a function (collected only when track_functions is on).
SELECT s.calls, s.total_time AS total_time_ms, s.self_time AS self_time_ms,
       pg_catalog.current_setting('track_functions') AS track_functions
FROM (SELECT %(oid)s::oid AS oid) f
LEFT JOIN pg_catalog.pg_stat_user_functions s ON s.funcid = f.oid
