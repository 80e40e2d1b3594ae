-- One row per accepted submission and reported indicator, in the indicator's measure unit.
insert into reported_values (submission_id, indicator_code, value, numerator, denominator, note, cell, line)
values (:submission_id, :indicator_code, :value, :numerator, :denominator, :note, :cell, :line)
