"""The ``tickets:`` section of ``sre_pipeline.yaml`` (docs/tickets.md "Configuration"):
the trackers by name, which team files where, and the lifecycle's safety settings. Secrets
are named by environment variable (``api_key_env``, ``token_env``), never written here."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from sre_pipeline.inputs.validation import InputModel, invalid

TYPES = ("outbox", "redmine", "github", "gitlab", "jira")
# what each tracker type needs besides its type
REQUIRED = {
    "outbox": (),
    "redmine": ("url", "project", "api_key_env"),
    "github": ("repo", "token_env"),
    "gitlab": ("url", "project", "token_env"),
    "jira": ("url", "project", "token_env"),
}


class TrackerIn(InputModel):
    """One tracker and project."""

    type: Literal["outbox", "redmine", "github", "gitlab", "jira"]
    url: str | None = None  # GitHub: the API URL (default https://api.github.com)
    project: str | None = None  # Redmine identifier, GitLab path, Jira key
    repo: str | None = None  # GitHub owner/name
    folder: str | None = None  # outbox: default $SRE_PIPELINE_HOME/tickets
    api_key_env: str | None = None
    token_env: str | None = None
    email: str | None = None  # Jira Cloud: basic auth with this account and the token
    issue_type: str = "Task"  # Jira
    tracker: str | None = None  # Redmine: its tracker (Bug, Task, ...); default the project's first
    priorities: dict[str, str] = {}  # low/normal/high/urgent -> the tracker's priority names
    users: dict[str, str] = {}  # owner as the postmortems name them -> the tracker's login
    timeout_s: float = Field(30.0, gt=0)

    @model_validator(mode="after")
    def _needs(self) -> TrackerIn:
        missing = [key for key in REQUIRED[self.type] if not getattr(self, key)]
        if missing:
            raise invalid(
                f"a {self.type} tracker needs {', '.join(missing)}",
                f"{', '.join(REQUIRED[self.type])} for type {self.type}",
            )
        unknown = set(self.priorities) - {"low", "normal", "high", "urgent"}
        if unknown:
            raise invalid(
                f"priorities names {', '.join(sorted(unknown))}",
                "keys among low, normal, high, urgent",
            )
        return self


class TicketsIn(InputModel):
    """Where tickets go and how carefully."""

    trackers: dict[str, TrackerIn] = {"outbox": TrackerIn(type="outbox")}
    default_tracker: str = "outbox"
    teams: dict[str, str] = {}  # team (as the specs name it) -> tracker name
    dry_run: bool = False
    max_new_per_run: int = Field(20, ge=0)
    close_on_clear: bool = True
    overdue_grace_days: int = Field(7, ge=0)
    forecast_horizon_days: int = Field(90, ge=1)

    @model_validator(mode="after")
    def _names(self) -> TicketsIn:
        names = set(self.trackers)
        if self.default_tracker not in names:
            raise invalid(
                f"default_tracker '{self.default_tracker}' is not among trackers",
                f"one of {', '.join(sorted(names)) or '(none configured)'}",
            )
        for team, name in self.teams.items():
            if name not in names:
                raise invalid(
                    f"teams.{team} names tracker '{name}', which is not configured",
                    f"one of {', '.join(sorted(names))}",
                )
        return self
