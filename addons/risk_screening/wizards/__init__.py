from . import risk_list_upload
from . import risk_hit_review
