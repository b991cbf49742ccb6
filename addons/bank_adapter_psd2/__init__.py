from . import controllers, models, providers
