-- One row per received file among the given locations: which bytes each location was received with.
select uri, sha256
from received_files
where uri in :uris
