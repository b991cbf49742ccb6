from . import lib
from .lib import formats
