"""What the model may do: one module per tool (``read_file``, ``list_files``, ``search``,
``find_symbol``, ``git_diff``, ``run_tests``, ``propose_edit``), each a :class:`tools.tool.ToolDef`
with a pydantic input model, all going through the sandbox (:mod:`tools.sandbox`).

Edits are proposals (:mod:`tools.proposals`), made with the pure edit formats of
:mod:`tools.edit_formats`; commands run through :mod:`tools.process` on a scratch copy
(:mod:`tools.scratch`). Tools depend on ``context`` only, never on ``server``.
"""
