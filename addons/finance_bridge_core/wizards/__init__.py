from . import audit_verify, connection_settings, evidence_retention, file_upload
