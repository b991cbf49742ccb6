from . import test_camt_parser
from . import test_pain002_parser
from . import test_pain001_writer
from . import test_file_import
from . import test_hostile_files
from . import test_channels
