-- One row per snapshot version of a period.
insert into snapshots (period, version, taken_at, fingerprint, input_digest, threshold)
values (:period, :version, :taken_at, :fingerprint, :input_digest, :threshold)
returning snapshot_id
