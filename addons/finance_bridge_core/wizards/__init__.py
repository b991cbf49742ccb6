from . import audit_verify, file_upload
