"""The shop package."""

from .models import Customer as Customer
from .pricing import *  # noqa: F403
