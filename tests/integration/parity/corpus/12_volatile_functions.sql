-- data-changing functions called from SELECTs that are not the last statement
create table log (n int);
create sequence seq;
create function note(i int) returns int language plpgsql volatile as $$
begin
  insert into log values (i);
  return i;
end $$;
select note(g) from generate_series(1, 1500) g;
select count(*) from log;
select nextval('seq') from generate_series(1, 1200);
select setval('seq', 5000);
select nextval('seq');
begin;
select note(g) from generate_series(1, 2500) g;
select nextval('seq') from generate_series(1, 10);
commit;
select count(*), max(n) from log;
with x as (select note(7) as v) select v from x;
select note(-1) where false;
select last_value from seq;
