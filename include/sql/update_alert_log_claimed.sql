-- One row per alert and recipient: this run is sending it (taken under the alerts lock, so that two
-- runs never send one alert both; a claim whose run died expires).
update alert_log
set state = 'sending', claimed_at = :claimed_at
where kind = :kind and period = :period and unit_code = :unit_code
    and indicator_code = :indicator_code and status = :status and recipient = :recipient and ref = :ref
