"""Presets that fill step 2 (and the Web URL part of step 4) for well-known HTTP gateways."""

from django.utils.translation import gettext_lazy as _

PRESETS = {
    "kannel": {
        "label": _("Kannel sendsms"),
        "url": (
            "http://127.0.0.1:13013/cgi-bin/sendsms?username={username}&password={password}"
            "&from={from}&to={to}&text={text}&charset=UTF-8&coding=0"
        ),
        "http_method": "GET",
        "body_type": "query",
        "success_regex": r"^20[02] .*(Accepted|Sent)",
        "permanent_failure_regex": r"^4\d\d ",
        "temporary_failure_regex": r"^(5\d\d|503) ",
        "message_id_regex": "",
    },
    "jasmin": {
        "label": _("Jasmin HTTP API"),
        "url": (
            "http://127.0.0.1:1401/send?username={username}&password={password}"
            "&to={to}&from={from}&content={text}"
        ),
        "http_method": "GET",
        "body_type": "query",
        "success_regex": r'^200 Success "',
        "permanent_failure_regex": r"^(400|403) ",
        "temporary_failure_regex": r"^(412|5\d\d) ",
        "message_id_regex": r'Success "([^"]+)"',
    },
}
