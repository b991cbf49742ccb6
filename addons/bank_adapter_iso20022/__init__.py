from . import lib, models, providers
from .lib import formats
