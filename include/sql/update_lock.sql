-- One row: takes the named lock (``locks``) until the transaction ends; every receiving run or alert
-- claim takes it first, so they happen one at a time on this warehouse.
update locks
set taken_at = :taken_at
where name = :name
