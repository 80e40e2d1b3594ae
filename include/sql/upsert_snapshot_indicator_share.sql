-- One row per indicator and month: the cumulative share s_m the snapshot arithmetic reads.
insert into indicator_shares (indicator_code, month, share)
values (:indicator_code, :month, :share)
on conflict (indicator_code, month) do update set
    share = excluded.share
