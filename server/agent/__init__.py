"""The agent: a small tool loop with typed outcomes, checked against one budget.

- :mod:`server.agent.loop` - ``AgentLoop.run(task) -> Final | NeedsApproval | BudgetExceeded | Failed``
- :mod:`server.agent.session` - wiring from settings (``build_env``, ``run_agent_task``)
- :mod:`server.agent.validation` - proposals must still apply, parse, and pass tests when asked
- :mod:`server.agent.plan` / :mod:`server.agent.apply` / :mod:`server.agent.rebase` - the edit plan
  frontends apply (on disk, or as an LSP ``WorkspaceEdit``), never blindly
- :mod:`server.agent.events` / :mod:`server.agent.reporting` - progress for the frontends
- ``server/agent/prompts/*.md`` - versioned prompt files
"""
