-- notices, warnings and statements that only warn (COMMIT or ROLLBACK without a transaction)
create table t (a int);
commit;
rollback;
do $$ begin raise notice 'hello; world'; end $$;
do $$ begin raise warning 'careful'; end $$;
drop table if exists nope;
create table if not exists t (a int);
begin;
begin;
insert into t values (1);
commit;
select count(*) from t;
