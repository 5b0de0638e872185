"""The fixed vocabularies of an SMS profile."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Protocol(models.TextChoices):
    """The kinds of gateway. The sending app has one transport per choice (a system check
    fails when one is missing)."""

    SMPP = "smpp", _("SMPP")
    WEB_URL = "web_url", _("Web URL")


SMPP, WEB_URL = Protocol.SMPP, Protocol.WEB_URL


class BindMode(models.TextChoices):
    TRANSMITTER = "transmitter", _("Transmitter")
    TRANSCEIVER = "transceiver", _("Transceiver")


class ProcessingMode(models.TextChoices):
    SYNCHRONOUS = "sync", _("Synchronous")
    ASYNCHRONOUS = "async", _("Asynchronous")


class HttpMethod(models.TextChoices):
    GET = "GET", "GET"
    POST = "POST", "POST"


class BodyType(models.TextChoices):
    QUERY = "query", _("Query string")
    FORM = "form", _("Form (application/x-www-form-urlencoded)")
    JSON = "json", _("JSON")


class InterfaceVersion(models.IntegerChoices):
    V34 = 0x34, "3.4"
    V33 = 0x33, "3.3"


class Ton(models.IntegerChoices):
    UNKNOWN = 0, _("0 Unknown")
    INTERNATIONAL = 1, _("1 International")
    NATIONAL = 2, _("2 National")
    NETWORK_SPECIFIC = 3, _("3 Network specific")
    SUBSCRIBER = 4, _("4 Subscriber number")
    ALPHANUMERIC = 5, _("5 Alphanumeric")
    ABBREVIATED = 6, _("6 Abbreviated")


class Npi(models.IntegerChoices):
    UNKNOWN = 0, _("0 Unknown")
    ISDN = 1, _("1 ISDN (E.163/E.164)")
    DATA = 3, _("3 Data (X.121)")
    TELEX = 4, _("4 Telex (F.69)")
    LAND_MOBILE = 6, _("6 Land mobile (E.212)")
    NATIONAL = 8, _("8 National")
    PRIVATE = 9, _("9 Private")
    ERMES = 10, _("10 ERMES")
    INTERNET = 14, _("14 Internet (IP)")
    WAP = 18, _("18 WAP client id")


class DataCoding(models.TextChoices):
    GSM7 = "gsm7", _("GSM 7-bit, UCS-2 when the text needs it")
    UCS2 = "ucs2", _("Always UCS-2")


class LongMessageMethod(models.TextChoices):
    UDH = "udh", _("UDH concatenation")
    SAR = "sar", _("SAR TLVs")
    PAYLOAD = "payload", _("message_payload TLV")
    REJECT = "reject", _("Reject messages longer than one part")


class AfterCrash(models.TextChoices):
    """A message that may have reached the gateway when its worker died (no answer recorded)."""

    LEAVE = "leave", _("Leave them for me to decide")
    RESEND = "resend", _("Resend them (they may arrive twice)")


class DeliveryReceipts(models.TextChoices):
    NONE = "none", _("None")
    FINAL = "final", _("Final (delivered or failed)")
    FAILURE = "failure", _("Failure only")


class ReceiptIdFormat(models.TextChoices):
    AUTO = "auto", _("Auto-detect")
    DECIMAL = "decimal", _("Decimal")
    HEX = "hex", _("Hexadecimal")


class Priority(models.IntegerChoices):
    NORMAL = 0, _("0 Normal")
    HIGH = 1, _("1 High")
    URGENT = 2, _("2 Urgent")
    EMERGENCY = 3, _("3 Emergency")


class MissingDataPolicy(models.TextChoices):
    FAIL = "fail", _("Fail the message")
    FALLBACK = "fallback", _("Send with the fallback (empty when none)")
    SKIP = "skip", _("Skip the recipient")
