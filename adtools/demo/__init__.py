"""The demo: one story told in every form's workbooks, written into a workspace's inbox, and every job run on it.

`story` tells the story (one fridge campaign, two flights, six staff, two months)
as `SampleDocument`s, `inbox` writes them as filled-in workbooks, `run` makes the
workspace and runs its steps (`DEMO_STEPS`).  The demo sits on top of every layer.
"""
from __future__ import annotations

from .run import DEMO_STEPS, DemoContext, DemoLine, DemoResult, run_demo

__all__ = ["DemoContext", "DemoLine", "DemoResult", "DEMO_STEPS", "run_demo"]
