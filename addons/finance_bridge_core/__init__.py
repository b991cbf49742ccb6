from . import controllers, lib, models, providers, wizards
