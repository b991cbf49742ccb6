from . import json_folder
