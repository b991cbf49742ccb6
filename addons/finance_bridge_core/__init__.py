from . import lib, models, providers, wizards
