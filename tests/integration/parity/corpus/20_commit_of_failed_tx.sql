-- a transaction whose COMMIT fails: a deferred constraint checked at COMMIT rolls everything back
create table parent (id int primary key);
create table child (id int, parent_id int references parent deferrable initially deferred);
insert into parent values (1);
begin;
insert into child values (1, 1);
insert into child values (2, 99);
select count(*) from child;
commit;
insert into parent values (2);
