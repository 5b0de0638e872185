from .inbound import InboundMessage, InboundPart, UnmatchedReceipt
from .job import BulkJob, ImportIssue, JobSecond
from .message import HandedChunk, Message, MessagePart
from .optout import OptOut

__all__ = [
    "BulkJob",
    "HandedChunk",
    "ImportIssue",
    "InboundMessage",
    "InboundPart",
    "JobSecond",
    "Message",
    "MessagePart",
    "OptOut",
    "UnmatchedReceipt",
]
