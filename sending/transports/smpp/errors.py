"""SMPP command_status values as readable, classified errors, in one place.

The admin shows "ESME_RTHROTTLED (0x58): throttled" rather than a number; whether an error is
worth retrying is decided here too (and by the profile's retry map, which wins).
"""

from __future__ import annotations

from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from smpplib import consts

from ..base import TransportError

# The names are smpplib's (smpplib.consts SMPP_ESME_*, without the prefix). The descriptions shown
# are ours, short and translated (marked here, translated when an error is raised, in the language
# active at that moment); smpplib's English one stands in for a code we do not describe.
NAMES: dict[int, str] = {
    value: name.removeprefix("SMPP_")
    for name, value in vars(consts).items()
    if name.startswith("SMPP_ESME_")
}
DESCRIPTIONS: dict[str, str] = {
    "ESME_ROK": gettext_noop("no error"),
    "ESME_RINVMSGLEN": gettext_noop("message length is invalid"),
    "ESME_RINVCMDLEN": gettext_noop("command length is invalid"),
    "ESME_RINVCMDID": gettext_noop("invalid command id"),
    "ESME_RINVBNDSTS": gettext_noop("incorrect bind status for this command"),
    "ESME_RALYBND": gettext_noop("already bound"),
    "ESME_RINVPRTFLG": gettext_noop("invalid priority flag"),
    "ESME_RINVREGDLVFLG": gettext_noop("invalid registered delivery flag"),
    "ESME_RSYSERR": gettext_noop("system error"),
    "ESME_RINVSRCADR": gettext_noop("invalid source address"),
    "ESME_RINVDSTADR": gettext_noop("invalid destination address"),
    "ESME_RINVMSGID": gettext_noop("invalid message id"),
    "ESME_RBINDFAIL": gettext_noop("bind failed"),
    "ESME_RINVPASWD": gettext_noop("invalid password"),
    "ESME_RINVSYSID": gettext_noop("invalid system id (user name)"),
    "ESME_RCANCELFAIL": gettext_noop("cancel failed"),
    "ESME_RREPLACEFAIL": gettext_noop("replace failed"),
    "ESME_RMSGQFUL": gettext_noop("message queue full"),
    "ESME_RINVSERTYP": gettext_noop("invalid service type"),
    "ESME_RINVNUMDESTS": gettext_noop("invalid number of destinations"),
    "ESME_RINVDLNAME": gettext_noop("invalid distribution list name"),
    "ESME_RINVDESTFLAG": gettext_noop("invalid destination flag"),
    "ESME_RINVSUBREP": gettext_noop("invalid submit with replace"),
    "ESME_RINVESMCLASS": gettext_noop("invalid esm_class"),
    "ESME_RCNTSUBDL": gettext_noop("cannot submit to distribution list"),
    "ESME_RSUBMITFAIL": gettext_noop("submit failed"),
    "ESME_RINVSRCTON": gettext_noop("invalid source TON"),
    "ESME_RINVSRCNPI": gettext_noop("invalid source NPI"),
    "ESME_RINVDSTTON": gettext_noop("invalid destination TON"),
    "ESME_RINVDSTNPI": gettext_noop("invalid destination NPI"),
    "ESME_RINVSYSTYP": gettext_noop("invalid system type"),
    "ESME_RINVREPFLAG": gettext_noop("invalid replace_if_present flag"),
    "ESME_RINVNUMMSGS": gettext_noop("invalid number of messages"),
    "ESME_RTHROTTLED": gettext_noop("throttled"),
    "ESME_RINVSCHED": gettext_noop("invalid scheduled delivery time"),
    "ESME_RINVEXPIRY": gettext_noop("invalid validity period"),
    "ESME_RINVDFTMSGID": gettext_noop("predefined message not found"),
    "ESME_RX_T_APPN": gettext_noop("temporary application error"),
    "ESME_RX_P_APPN": gettext_noop("permanent application error"),
    "ESME_RX_R_APPN": gettext_noop("message rejected by the application"),
    "ESME_RQUERYFAIL": gettext_noop("query failed"),
    "ESME_RINVOPTPARSTREAM": gettext_noop("error in the optional parameters"),
    "ESME_ROPTPARNOTALLWD": gettext_noop("optional parameter not allowed"),
    "ESME_RINVPARLEN": gettext_noop("invalid parameter length"),
    "ESME_RMISSINGOPTPARAM": gettext_noop("expected optional parameter missing"),
    "ESME_RINVOPTPARAMVAL": gettext_noop("invalid optional parameter value"),
    "ESME_RDELIVERYFAILURE": gettext_noop("delivery failure"),
    "ESME_RUNKNOWNERR": gettext_noop("unknown error"),
}

ESME_ROK = consts.SMPP_ESME_ROK
ESME_RINVCMDID = consts.SMPP_ESME_RINVCMDID
ESME_RSYSERR = consts.SMPP_ESME_RSYSERR
ESME_RBINDFAIL = consts.SMPP_ESME_RBINDFAIL
ESME_RINVPASWD = consts.SMPP_ESME_RINVPASWD
ESME_RINVSYSID = consts.SMPP_ESME_RINVSYSID
ESME_RMSGQFUL = consts.SMPP_ESME_RMSGQFUL
ESME_RTHROTTLED = consts.SMPP_ESME_RTHROTTLED
ESME_RX_T_APPN = consts.SMPP_ESME_RX_T_APPN

# The SMSC is overloaded or limiting us: slow down and resend the same part on this bind.
SLOW_DOWN = frozenset({ESME_RTHROTTLED, ESME_RMSGQFUL})
# Worth another attempt later; everything else about a submit is the message's own fault.
TRANSIENT = frozenset(
    {
        ESME_RSYSERR,
        ESME_RMSGQFUL,
        ESME_RTHROTTLED,
        consts.SMPP_ESME_RSUBMITFAIL,
        consts.SMPP_ESME_RX_T_APPN,
        consts.SMPP_ESME_RDELIVERYFAILURE,
        consts.SMPP_ESME_RUNKNOWNERR,
    }
)


def status_name(status: int) -> str:
    return NAMES.get(status, f"0x{status:02X}")


def describe(status: int) -> str:
    """ "ESME_RTHROTTLED (0x58): throttled"; vendor codes read "0x0401 (0x401): vendor-specific"."""
    name = NAMES.get(status)
    if name is None:
        name, description = f"0x{status:04X}", gettext_noop("vendor-specific")
    else:
        description = DESCRIPTIONS.get(name) or consts.DESCRIPTIONS[status]
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
