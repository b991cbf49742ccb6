from . import lib
from . import providers
from . import models
from . import wizards
