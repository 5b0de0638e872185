from .data_object import DataObject
from .profile import STEP_FIELDS, STEPS, SmsProfile
from .sms_settings import SmsSettings

__all__ = ["DataObject", "SmsProfile", "SmsSettings", "STEPS", "STEP_FIELDS"]
