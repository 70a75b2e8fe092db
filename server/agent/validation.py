"""Checks every proposed edit passes before anything is offered to the user.

1. It still applies: the file is exactly what the edit was made against (else the proposal is
   dropped and the model is told to read the file again).
2. It introduces no new tree-sitter syntax errors.
3. When the task asks for it, the configured tests pass on a scratch copy with the edits applied.

Problems are plain sentences for the model; the loop feeds them back within the budget.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from tools.proposals import text_hash
from tools.run_tests import display_command, run_configured_tests
from tools.sandbox import Refusal
from tools.syntax_check import describe, new_syntax_problems
from tools.tool import ToolEnv, base_text

TEST_OUTPUT_TAIL = 4_000


@dataclass
class ValidationReport:
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


async def check_still_applies(env: ToolEnv, report: ValidationReport) -> None:
    for proposal in env.proposals.items():
        now = await base_text(env, proposal.target)
        now_text = None if isinstance(now, Refusal) else now.text
        if text_hash(now_text) != proposal.base_hash:
            env.proposals.drop(proposal.target.path)
            report.problems.append(
                f"{proposal.target.rel} changed since you read it (edited by the user or on disk); your edit to it "
                "was discarded: read it again and redo the edit"
            )


def check_syntax(env: ToolEnv, report: ValidationReport) -> None:
    for proposal in env.proposals.items():
        if proposal.new_text is None:
            continue
        problems = new_syntax_problems(proposal.base_text, proposal.new_text, proposal.target.rel)
        if problems:
            report.problems.append(f"{proposal.target.rel}: your edit introduces {describe(problems)}")


async def check_tests(env: ToolEnv, report: ValidationReport) -> None:
    for index in range(len(env.test_commands)):
        result = await run_configured_tests(env, index, [])
        if isinstance(result, Refusal):
            report.problems.append(result.reason)
            continue
        if not result.passed:
            shown = display_command(result.argv)
            why = "timed out" if result.timed_out else result.error or f"exit code {result.exit_code}"
            tail = result.output[-TEST_OUTPUT_TAIL:]
            report.problems.append(f"tests failed with your edits applied ($ {shown}: {why}):\n{tail}")


async def validate_proposals(env: ToolEnv, *, run_tests: bool) -> ValidationReport:
    report = ValidationReport()
    await check_still_applies(env, report)
    check_syntax(env, report)
    if run_tests and not report.problems and env.proposals.items():
        await check_tests(env, report)
    return report
