-- rules with several actions in parentheses, NOTIFY actions, DO ALSO / INSTEAD NOTHING
create table src (a int);
create table audit (a int, what text);
create rule r_ins as on insert to src do also (insert into audit values (new.a, 'ins'); insert into audit values (new.a * 10, 'ins10'));
create rule r_del as on delete to src do instead nothing;
create view v as select a from src;
create rule r_v as on insert to v do instead (insert into src values (new.a); notify v_changed);
insert into src values (1);
insert into v values (2);
delete from src;
select count(*) from src;
create rule r_upd as on update to src do instead (notify a; notify b; update audit set what = 'upd' where a = old.a);
update src set a = 3 where a = 1;
select a, what from audit order by a, what;
