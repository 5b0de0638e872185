from modeltranslation.translator import TranslationOptions, register

from .models import SmsProfile


@register(SmsProfile)
class SmsProfileTranslationOptions(TranslationOptions):
    fields = ("message",)
    # An empty translation stays empty (""), never None, so it can fall back at send time.
    empty_values = ""
