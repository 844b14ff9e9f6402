-- modes: auto_rollback, default, autocommit_off
-- ON_ERROR_ROLLBACK: savepoints of ours around statements in a transaction, the user's savepoints intact
create table t (a int primary key);
begin;
insert into t values (1);
savepoint mine;
insert into t values (2);
release savepoint mine;
savepoint again;
insert into t values (3);
rollback to savepoint again;
select a from t order by a;
insert into t values (4);
commit;
begin;
insert into t values (5);
insert into t values (1);
commit;
