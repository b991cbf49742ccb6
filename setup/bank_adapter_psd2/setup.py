import pathlib
import sys

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent.parent))
from addon_setup import setup_addon

setup_addon(__file__)
