/* a header comment; with a semicolon */
-- modes: default, autocommit_off
create table t (a int); insert into t values (1); insert into t values (2) ;
insert into t
  values
  (3);;;
insert /* inline; comment */ into t values (4); -- trailing; comment
/* nested /* comment; */ still a comment; */ insert into t values (5);
insert into t values (6) -- a comment before the semicolon;
;
select a -- column
  from t /* from
  several lines */ where a > 0
  order by a;
	select  count(*)  from  t  ;
select 1 as "semi;colon", 2 as "quote""d";
select (select 1; ) is null
