from . import folder_channel
from . import sftp_channel
