from . import audit_verify, evidence_retention, file_upload
