-- SQL-standard bodies (BEGIN ATOMIC ... END) with inner semicolons, CASE ... END inside
create table t (a int);
CREATE FUNCTION add_one(x int) RETURNS int LANGUAGE sql
BEGIN ATOMIC
  SELECT x + 1;
END;
create or replace function classify(x int) returns text
begin atomic
  select case when x > 0 then 'positive' when x < 0 then 'negative' else 'zero' end;
end;
CREATE PROCEDURE fill(n int)
LANGUAGE sql
BEGIN ATOMIC
  INSERT INTO t SELECT g FROM generate_series(1, n) g;
  INSERT INTO t VALUES (0);
  DELETE FROM t WHERE a = 0;
END;
CREATE OR REPLACE PROCEDURE twice() BEGIN ATOMIC CALL fill(2); CALL fill(3); END;
call fill(5);
call twice();
select add_one(41), classify(-3), classify(0), classify(7);
create function f_ret(x int) returns int return x * 2;
select f_ret(21);
select count(*) from t;
