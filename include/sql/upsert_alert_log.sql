-- One row per alert and recipient: record it as pending before the send; a sent alert, or one another
-- run is sending, is left alone.
-- parameter types: detail json
insert into alert_log (
    kind, period, unit_code, indicator_code, status, recipient, ref, snapshot_id, state, attempts,
    detail, created_at
)
values (
    :kind, :period, :unit_code, :indicator_code, :status, :recipient, :ref, :snapshot_id, 'pending', 0,
    :detail, :created_at
)
on conflict (kind, period, unit_code, indicator_code, status, recipient, ref) do update set
    state = 'pending',
    snapshot_id = excluded.snapshot_id,
    detail = excluded.detail
where alert_log.state not in ('sent', 'sending')
