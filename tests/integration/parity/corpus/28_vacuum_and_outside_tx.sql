-- statements that cannot run in a transaction block, outside one
create table t (a int);
insert into t select generate_series(1, 100);
vacuum t;
vacuum (analyze) t;
analyze t;
create index concurrently t_a on t (a);
reindex index t_a;
drop index concurrently t_a;
checkpoint;
begin;
vacuum t;
