-- issue 14 example 5: SQL-standard bodies, parenthesised rule actions, standard_conforming_strings off
CREATE FUNCTION f() RETURNS int BEGIN ATOMIC SELECT 1; SELECT 2; END;
select f();
create table y (a int);
CREATE RULE r AS ON INSERT TO y DO INSTEAD (NOTIFY a; NOTIFY b);
insert into y values (1);
select count(*) from y;
create table s (v text);
SET standard_conforming_strings = off;
insert into s values ('a\'b; c');
insert into s values ('back\\slash');
SET standard_conforming_strings = on;
insert into s values ('a\'); insert into s values ('plain');
select v from s order by v;
