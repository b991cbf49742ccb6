from . import lib, models, wizards
from .lib import yente_provider
