-- issue 14 example 2: TRUNCATE, DROP and ALTER after a SELECT in the same transaction
create table t(a int);
insert into t select g from generate_series(1, 500) g;
begin; select * from t; truncate t; commit;
insert into t values (1), (2);
begin;
select * from t;
alter table t add column b text default 'x';
select a, b from t order by a;
create index t_a on t (a);
commit;
create table u(a int);
begin; select * from u; drop table u; commit;
begin; select * from t order by a; alter table t rename to t2; select count(*) from t2; commit;
