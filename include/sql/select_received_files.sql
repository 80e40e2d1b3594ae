-- One row per received file: what the inbox listing compares against to find files not yet received.
select uri, sha256
from received_files
