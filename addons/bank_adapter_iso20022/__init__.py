from . import lib
from .lib import formats
from . import providers
from . import models
