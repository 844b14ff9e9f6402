-- modes: autocommit_off, default
-- AUTOCOMMIT off: psql begins a transaction before the first statement that needs one
create table t (a int);
insert into t values (1);
commit;
insert into t values (2);
select count(*) from t;
rollback;
insert into t values (3);
savepoint sp;
insert into t values (4);
rollback to sp;
commit;
vacuum t;
show transaction_isolation;
insert into t values (5);
end;
insert into t values (6);
select a from t order by a;
