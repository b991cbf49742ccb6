from . import lib
from .lib import yente_provider
from . import models
from . import wizards
