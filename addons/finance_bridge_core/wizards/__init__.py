from . import file_upload
