-- dollar-quoted bodies, DO blocks, functions whose bodies hold semicolons and quotes
create table t (a int, note text);
create function add_row(n int) returns void language plpgsql as $body$
declare
  s text := 'semi; colon';
begin
  insert into t values (n, s || $x$ and 'quotes' $x$);
end;
$body$;
select add_row(1);
do $$
begin
  perform add_row(2);
  raise notice 'done; %', 2;
end
$$;
do language plpgsql $do$ begin insert into t values (3, $q$;$q$); end $do$;
create function two() returns int language sql as 'select 1; select 2';
select two();
create function cnt() returns bigint language sql stable as $$ select count(*) from t $$;
select cnt();
select $1$ as not_a_param;
select a, note from t order by a;
