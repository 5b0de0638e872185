"""SMPP command_status values as readable, classified errors, in one place.

The admin shows "ESME_RTHROTTLED (0x58): throttled" rather than a number; whether an error is
worth retrying is decided here too (and by the profile's retry map, which wins).
"""

from __future__ import annotations

from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from ..base import TransportError

# code: (name, short description). Descriptions are marked for translation and translated when an
# error is raised, in the language active at that moment.
STATUSES: dict[int, tuple[str, str]] = {
    0x00: ("ESME_ROK", gettext_noop("no error")),
    0x01: ("ESME_RINVMSGLEN", gettext_noop("message length is invalid")),
    0x02: ("ESME_RINVCMDLEN", gettext_noop("command length is invalid")),
    0x03: ("ESME_RINVCMDID", gettext_noop("invalid command id")),
    0x04: ("ESME_RINVBNDSTS", gettext_noop("incorrect bind status for this command")),
    0x05: ("ESME_RALYBND", gettext_noop("already bound")),
    0x06: ("ESME_RINVPRTFLG", gettext_noop("invalid priority flag")),
    0x07: ("ESME_RINVREGDLVFLG", gettext_noop("invalid registered delivery flag")),
    0x08: ("ESME_RSYSERR", gettext_noop("system error")),
    0x0A: ("ESME_RINVSRCADR", gettext_noop("invalid source address")),
    0x0B: ("ESME_RINVDSTADR", gettext_noop("invalid destination address")),
    0x0C: ("ESME_RINVMSGID", gettext_noop("invalid message id")),
    0x0D: ("ESME_RBINDFAIL", gettext_noop("bind failed")),
    0x0E: ("ESME_RINVPASWD", gettext_noop("invalid password")),
    0x0F: ("ESME_RINVSYSID", gettext_noop("invalid system id (user name)")),
    0x11: ("ESME_RCANCELFAIL", gettext_noop("cancel failed")),
    0x13: ("ESME_RREPLACEFAIL", gettext_noop("replace failed")),
    0x14: ("ESME_RMSGQFUL", gettext_noop("message queue full")),
    0x15: ("ESME_RINVSERTYP", gettext_noop("invalid service type")),
    0x33: ("ESME_RINVNUMDESTS", gettext_noop("invalid number of destinations")),
    0x34: ("ESME_RINVDLNAME", gettext_noop("invalid distribution list name")),
    0x40: ("ESME_RINVDESTFLAG", gettext_noop("invalid destination flag")),
    0x42: ("ESME_RINVSUBREP", gettext_noop("invalid submit with replace")),
    0x43: ("ESME_RINVESMCLASS", gettext_noop("invalid esm_class")),
    0x44: ("ESME_RCNTSUBDL", gettext_noop("cannot submit to distribution list")),
    0x45: ("ESME_RSUBMITFAIL", gettext_noop("submit failed")),
    0x48: ("ESME_RINVSRCTON", gettext_noop("invalid source TON")),
    0x49: ("ESME_RINVSRCNPI", gettext_noop("invalid source NPI")),
    0x50: ("ESME_RINVDSTTON", gettext_noop("invalid destination TON")),
    0x51: ("ESME_RINVDSTNPI", gettext_noop("invalid destination NPI")),
    0x53: ("ESME_RINVSYSTYP", gettext_noop("invalid system type")),
    0x54: ("ESME_RINVREPFLAG", gettext_noop("invalid replace_if_present flag")),
    0x55: ("ESME_RINVNUMMSGS", gettext_noop("invalid number of messages")),
    0x58: ("ESME_RTHROTTLED", gettext_noop("throttled")),
    0x61: ("ESME_RINVSCHED", gettext_noop("invalid scheduled delivery time")),
    0x62: ("ESME_RINVEXPIRY", gettext_noop("invalid validity period")),
    0x63: ("ESME_RINVDFTMSGID", gettext_noop("predefined message not found")),
    0x64: ("ESME_RX_T_APPN", gettext_noop("temporary application error")),
    0x65: ("ESME_RX_P_APPN", gettext_noop("permanent application error")),
    0x66: ("ESME_RX_R_APPN", gettext_noop("message rejected by the application")),
    0x67: ("ESME_RQUERYFAIL", gettext_noop("query failed")),
    0xC0: ("ESME_RINVOPTPARSTREAM", gettext_noop("error in the optional parameters")),
    0xC1: ("ESME_ROPTPARNOTALLWD", gettext_noop("optional parameter not allowed")),
    0xC2: ("ESME_RINVPARLEN", gettext_noop("invalid parameter length")),
    0xC3: ("ESME_RMISSINGOPTPARAM", gettext_noop("expected optional parameter missing")),
    0xC4: ("ESME_RINVOPTPARAMVAL", gettext_noop("invalid optional parameter value")),
    0xFE: ("ESME_RDELIVERYFAILURE", gettext_noop("delivery failure")),
    0xFF: ("ESME_RUNKNOWNERR", gettext_noop("unknown error")),
}

ESME_ROK = 0x00
ESME_RSYSERR = 0x08
ESME_RBINDFAIL = 0x0D
ESME_RINVPASWD = 0x0E
ESME_RINVSYSID = 0x0F
ESME_RMSGQFUL = 0x14
ESME_RTHROTTLED = 0x58

# The SMSC is overloaded or limiting us: slow down and resend the same part on this bind.
SLOW_DOWN = frozenset({ESME_RTHROTTLED, ESME_RMSGQFUL})
# Worth another attempt later; everything else about a submit is the message's own fault.
TRANSIENT = frozenset({ESME_RSYSERR, ESME_RMSGQFUL, ESME_RTHROTTLED, 0x45, 0x64, 0xFE, 0xFF})


def status_name(status: int) -> str:
    return STATUSES.get(status, (f"0x{status:02X}", ""))[0]


def describe(status: int) -> str:
    """ "ESME_RTHROTTLED (0x58): throttled"; vendor codes read "0x0401 (0x401): vendor-specific"."""
    name, description = STATUSES.get(status, (f"0x{status:04X}", gettext_noop("vendor-specific")))
    return f"{name} (0x{status:02X}): {_(description)}"


def status_error(
    status: int, retry_map: dict | None = None, *, bind: bool = False
) -> TransportError:
    """The TransportError for a non-zero command_status.

    A failed bind is permanent (retrying a wrong password only gets the account locked); a status
    named in the profile's retry map is transient and waits the mapped seconds.
    """
    name = status_name(status)
    retry_after = None
    if bind:
        permanent = True
    elif retry_map and name in retry_map:
        permanent, retry_after = False, float(retry_map[name])
    else:
        permanent = status not in TRANSIENT
    reason = describe(status)
    if bind:
        reason = _("Bind refused: %(reason)s") % {"reason": reason}
    return TransportError(reason, permanent=permanent, code=name, retry_after=retry_after)
