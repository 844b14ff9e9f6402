-- assorted statement kinds and their tags: SET/SHOW/RESET, PREPARE/EXECUTE, EXPLAIN, RETURNING, MERGE, LISTEN
create table t (id int primary key, v text);
set search_path = public;
show search_path;
reset search_path;
set application_name = 'parity';
prepare ins (int, text) as insert into t values ($1, $2);
execute ins (1, 'one');
execute ins (2, 'two');
deallocate ins;
prepare sel as select v from t where id = 1;
execute sel;
deallocate all;
insert into t values (3, 'three'), (4, 'four') returning id, v;
update t set v = v || '!' where id > 2 returning id;
delete from t where id = 4 returning *;
explain (costs off) select * from t where id = 1;
merge into t using (values (1, 'uno'), (5, 'cinco')) as s(id, v) on t.id = s.id
  when matched then update set v = s.v
  when not matched then insert values (s.id, s.v);
select * into t_copy from t;
create table t_as as select * from t where id < 3;
listen channel_one;
notify channel_one, 'payload; with semicolon';
unlisten *;
comment on table t is 'a table; with a comment';
grant select on t to public;
with moved as (delete from t_copy where id = 1 returning *) insert into t_as select * from moved;
with x as (select 1 as a) select a from x;
table t_as;
analyze t;
select id, v from t order by id;
