-- modes: single_transaction, default, autocommit_off
-- the whole script as one transaction that succeeds: everything committed once
create table t (a int, b text);
insert into t values (1, 'one');
insert into t select g, g::text from generate_series(2, 3000) g;
select * from t;
update t set b = upper(b) where a < 10;
create view v as select a from t where a % 2 = 0;
select count(*) from v;
create sequence s;
select nextval('s') from generate_series(1, 40);
delete from t where a > 2000;
select count(*) from t;
