from . import risk_hit_review, risk_list_upload
