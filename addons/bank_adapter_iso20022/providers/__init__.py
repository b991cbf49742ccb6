from . import folder_channel, sftp_channel
