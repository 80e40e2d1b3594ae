-- One row per snapshot version of a period.
insert into snapshots (period, version, taken_at, fingerprint, threshold)
values (:period, :version, :taken_at, :fingerprint, :threshold)
returning snapshot_id
