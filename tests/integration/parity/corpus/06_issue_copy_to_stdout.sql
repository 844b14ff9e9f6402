-- issue 14 example 6: COPY ... TO STDOUT is a result, and the next statement works
copy (select 1 as a) to stdout with csv header;
select 2;
create table t (a int, b text);
insert into t values (1, 'one'), (2, 'two'), (3, 'three');
copy t to stdout;
copy (select * from t order by a desc) to stdout with (format csv);
begin;
copy t (b) to stdout;
insert into t values (4, 'four');
commit;
select count(*) from t;
