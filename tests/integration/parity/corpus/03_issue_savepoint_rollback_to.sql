-- issue 14 example 3: ROLLBACK TO SAVEPOINT after a SELECT; later statements must not hit 25P02
create table t(a int);
insert into t values (1), (2), (3);
begin;
savepoint a;
select * from t;
rollback to a;
select * from t where a > 1;
insert into t values (4);
savepoint b;
select * from generate_series(1, 300);
insert into t values (5);
rollback to b;
select count(*) from t;
release a;
commit;
select a from t order by a;
