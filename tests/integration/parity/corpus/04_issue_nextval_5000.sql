-- issue 14 example 4: a SELECT that is not the last statement runs to its end, inside a transaction too
begin; create sequence s; select nextval('s') from generate_series(1,5000); select currval('s'); commit;
create sequence s2;
select nextval('s2') from generate_series(1, 1234);
select currval('s2');
begin;
select nextval('s2') from generate_series(1, 100);
commit;
select last_value from s2;
