from .job import BulkJob, ImportIssue, JobSecond
from .message import Message, MessagePart
from .optout import OptOut

__all__ = ["BulkJob", "ImportIssue", "JobSecond", "Message", "MessagePart", "OptOut"]
