-- COPY ... TO STDOUT in and out of transactions, with options, between other statements
create table t (id int, name text, at date);
insert into t values (1, 'a,b', '2020-01-01'), (2, 'quote"d', '2020-02-02'), (3, null, null);
copy t to stdout;
copy t to stdout with (format csv, header true);
copy (select id, upper(name) from t where id > 1) to stdout with (format csv, delimiter ';');
copy t (name) to stdout with (format text, null 'NULL');
begin;
insert into t values (4, 'four', '2021-04-04');
copy (select * from t order by id) to stdout;
update t set name = 'changed' where id = 1;
copy (select name from t where id = 1) to stdout;
commit;
copy (values (1, 'x'), (2, 'y')) to stdout with csv;
select count(*) from t;
