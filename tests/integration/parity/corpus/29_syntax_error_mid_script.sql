-- a syntax error stops the script at its statement
create table t (a int);
insert into t values (1);
selec 1;
insert into t values (2);
