-- ON_ERROR_STOP: statements before the failure stay committed, the rest never runs
create table t (a int primary key);
insert into t values (1);
insert into t values (2);
select * from t;
insert into t values (1);
insert into t values (3);
create table never (a int);
select 'not run';
