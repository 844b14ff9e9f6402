-- large row sets that are not the last statement, in and out of a transaction
create table t as select g as a, repeat('x', 20) as pad from generate_series(1, 5000) g;
select * from t;
select count(*) from t;
select * from t order by a desc;
insert into t values (5001, 'y');
begin;
select * from t;
select * from generate_series(1, 5000) g;
update t set pad = 'z' where a = 1;
select * from t where a <= 2500;
commit;
values (1), (2);
select a, pad from t where a in (1, 5001) order by a;
