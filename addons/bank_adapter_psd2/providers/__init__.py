from . import psd2
