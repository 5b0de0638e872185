"""Presets that fill step 2 (and the Web URL part of step 4) for well-known HTTP gateways.

The Kannel preset is checked against Debian's Kannel 1.4.5 by tests/sending/web_url/test_kannel.py.
What that Kannel answers on sendsms (status, body):
  202 "0: Accepted for delivery"      queued to the SMSC link; no message id is returned
  202 "3: Queued for later delivery"  accepted while the SMSC link is down (store enabled)
  403 "Authorization failed for sendsms"              wrong username/password
  400 "Sender missing and no global set, rejected"    and other 400s for missing fields
  503 "Temporal failure, try again later."            bearerbox queue full
It closes the connection after every answer (Connection: Close), so no keep-alive. A POST must
carry the parameters in X-Kannel-Username/-Password/-To/-From headers and the text as a
text/plain body; a form-encoded POST is refused with 400 "Invalid content-type". With coding=0
characters outside the GSM alphabet arrive as "?", so the preset passes {coding}: 0 when the
text fits GSM 7-bit, 2 (UCS-2) when it does not.

Jasmin's /send (its HTTP API documentation and jasmin/protocols/http/endpoints/send.py) takes
`coding` as the SMPP data_coding (0 GSM, 8 UCS-2) and the text either as `content` or as
`hex-content`, never both in one request. With coding=0 it converts `content` from UTF-8 to
GSM 03.38; with any other coding it forwards the UTF-8 bytes as they are, so an Arabic `content`
arrives as "?????" or garbled. UCS-2 text must go as `hex-content`, UTF-16BE in hex. The preset
sends coding={data_coding} and {content_param}={content}: content=<text> when it fits GSM
7-bit, hex-content=<UTF-16BE hex> with coding=8 when it does not. No Jasmin runs in these tests;
tests/sending/web_url/test_jasmin.py checks the preset against a stand-in that applies those
rules (tests/peers/jasmin_http.py).

Both presets ask for receipts through our callback (sending.web_receipts): Kannel with
dlr-mask=31 (every report type) and {kannel_receipt_url}, Jasmin with dlr-level=2 (the handset's
receipt) and {receipt_url}.
"""

from django.utils.translation import gettext_lazy as _

PRESETS = {
    "kannel": {
        "label": _("Kannel sendsms"),
        "url": (
            "http://127.0.0.1:13013/cgi-bin/sendsms?username={username}&password={password}"
            "&from={from}&to={to}&text={text}&charset=UTF-8&coding={coding}"
            "&dlr-mask=31&dlr-url={kannel_receipt_url}"
        ),
        "http_method": "GET",
        "body_type": "query",
        "success_regex": r"^20[02] [03]: (Accepted for delivery|Queued for later delivery)",
        "permanent_failure_regex": r"^4\d\d ",
        "temporary_failure_regex": r"^5\d\d ",
        "message_id_regex": "",
    },
    "jasmin": {
        "label": _("Jasmin HTTP API"),
        "url": (
            "http://127.0.0.1:1401/send?username={username}&password={password}"
            "&to={to}&from={from}&coding={data_coding}&{content_param}={content}"
            "&dlr=yes&dlr-level=2&dlr-method=POST&dlr-url={receipt_url}"
        ),
        "http_method": "GET",
        "body_type": "query",
        "success_regex": r'^200 Success "',
        "permanent_failure_regex": r"^(400|403) ",
        "temporary_failure_regex": r"^(412|5\d\d) ",
        "message_id_regex": r'Success "([^"]+)"',
    },
}
