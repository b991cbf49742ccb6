from . import lib, providers
from .lib import formats
