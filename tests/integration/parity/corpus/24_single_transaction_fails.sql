-- modes: single_transaction, default, autocommit_off
-- the whole script as one transaction: a failure undoes it all
create table t (a int);
insert into t values (1);
insert into t values (2);
select count(*) from t;
create index t_a on t (a);
insert into t values ('not a number');
insert into t values (3);
