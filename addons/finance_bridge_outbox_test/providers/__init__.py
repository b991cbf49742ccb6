from . import webhook_folder
