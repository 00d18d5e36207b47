"""The record of one correct alternative answer, and the list every module of the catalogue
appends its alternatives to, in the order they are written."""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Alternative:
    task_id: str    # "a01.sigmoid"
    label: str      # what is different, e.g. "tanh form"
    source: str     # Python source defining the answer function(s)

    @property
    def assignment(self) -> str:
        return self.task_id.split(".")[0]


ALTERNATIVES: list[Alternative] = []


def alternative(task_id: str, label: str, source: str) -> None:
    ALTERNATIVES.append(Alternative(task_id, label, source.strip("\n") + "\n"))
