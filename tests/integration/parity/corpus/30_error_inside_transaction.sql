-- an error inside a transaction: the script stops, the open transaction is rolled back at the end
create table t (a int check (a > 0));
insert into t values (1);
begin;
insert into t values (2);
select * from t;
insert into t values (-1);
insert into t values (3);
commit;
