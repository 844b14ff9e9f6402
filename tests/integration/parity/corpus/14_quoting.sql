-- every quoting form, stored in a table so the dump shows what the server received
create table q (id serial, v text, b bit varying, x bytea);
insert into q (v) values ('plain; with semicolon');
insert into q (v) values ('it''s doubled');
insert into q (v) values ('');
insert into q (v) values ('''');
insert into q (v) values (E'escaped \' quote; and \\ backslash');
insert into q (v) values (e'tab\tnewline\nend');
insert into q (v) values (E'octal \101 hex \x42 unicode \u0043');
insert into q (v) values (U&'d\0061t\+000061 unicode');
insert into q (v) values (U&'d!0061t!+000061; uescape' UESCAPE '!');
insert into q (v) values (N'national; string');
insert into q (v) values ('continued'
  ' on; the next line');
insert into q (v) values ('a backslash \ stays; in a standard string');
insert into q (b) values (B'1010'), (b'1'), (X'1F');
insert into q (x) values ('\x6869'::bytea), (E'\\x3b3b'::bytea);
insert into q (v) values ($$dollar; 'quoted' "text"$$);
insert into q (v) values ($tag$with $$ inside; $tag$);
insert into q (v) values ($a$$b$ nested tags; $b$ $a$);
create table "Weird;Name" ("col""umn" int, "semi;colon" text);
insert into "Weird;Name" values (1, 'x');
select U&"\0063ol""umn" from "Weird;Name";
create table "ünïcödé" ("naïve" text);
insert into "ünïcödé" values ('ça va; ok');
select id, v, b, x from q order by id;
