from server.completion.shape import ShapeInput, decide_shape


def test_empty_block_body_is_multi_line() -> None:
    assert decide_shape(ShapeInput("    ", "", in_empty_block=True, mid_expression=False)) == "multi_line"


def test_mid_expression_is_single_line() -> None:
    assert decide_shape(ShapeInput("    x = foo(", "", in_empty_block=False, mid_expression=True)) == "single_line"


def test_code_right_of_cursor_forces_single_line() -> None:
    assert decide_shape(ShapeInput("    ", "return x", in_empty_block=True, mid_expression=False)) == "single_line"


def test_auto_inserted_closers_do_not_force_single_line() -> None:
    assert decide_shape(ShapeInput("    ", ")", in_empty_block=True, mid_expression=False)) == "multi_line"


def test_blank_line_between_statements_is_multi_line() -> None:
    assert decide_shape(ShapeInput("    ", "", in_empty_block=False, mid_expression=False)) == "multi_line"


def test_end_of_finished_statement_is_single_line() -> None:
    assert decide_shape(ShapeInput("    x = 1", "", in_empty_block=False, mid_expression=False)) == "single_line"
