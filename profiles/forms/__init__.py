"""One form per wizard step (STEP_FIELDS decides which fields each one saves)."""

from .advanced import AdvancedStepForm
from .create import CreateStepForm
from .message import MessageStepForm
from .server import ServerStepForm

__all__ = ["AdvancedStepForm", "CreateStepForm", "MessageStepForm", "ServerStepForm"]
