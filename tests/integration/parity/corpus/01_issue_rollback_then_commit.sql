-- issue 14 example 1: a portal of ours from a SELECT must not break the next transaction's COMMIT
create table t(a int); begin; select * from generate_series(1,3); rollback; begin; insert into t values (1); select 1; commit;
select count(*) from t;
begin; select * from generate_series(1, 200); insert into t values (2); commit;
select a from t order by a;
