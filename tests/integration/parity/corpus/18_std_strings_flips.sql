-- standard_conforming_strings off and on again; psql takes the new value from the next line
create table s (id serial, v text);
set standard_conforming_strings = off;
insert into s (v) values ('off: \' escaped; still a string');
insert into s (v) values ('off: \\ one backslash');
insert into s (v) values ('multi-line \'
string; still open');
set standard_conforming_strings = on;
insert into s (v) values ('on: \'); insert into s (v) values ('same line, on');
begin;
set local standard_conforming_strings = off;
insert into s (v) values ('local off: \' yes');
commit;
insert into s (v) values ('after commit: \');
begin;
set standard_conforming_strings = off;
insert into s (v) values ('in tx: \' yes');
rollback;
insert into s (v) values ('after rollback: \');
set standard_conforming_strings = off; insert into s (v) values ('same line as the set: \\');
insert into s (v) values ('next line: \' off');
reset standard_conforming_strings;
select id, v from s order by id;
