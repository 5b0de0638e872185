from .job import BulkJob, ImportIssue
from .message import Message, MessagePart
from .optout import OptOut

__all__ = ["BulkJob", "ImportIssue", "Message", "MessagePart", "OptOut"]
