-- issue 14 example 7: a big result outside the user's transaction must not hold the table
create table big_table as select g as id, md5(g::text) as h from generate_series(1, 6000) g;
select * from big_table;
alter table big_table add column note text;
vacuum big_table;
select count(*) from big_table;
select * from big_table order by id;
