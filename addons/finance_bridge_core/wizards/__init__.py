from . import evidence_retention, file_upload
