from context.packing.pack import Section
from context.source.document import Document
from server.completion.gather import gather


def test_empty_body_is_multi_line_with_the_packed_prompt() -> None:
    document = Document("calc.py", "import math\n\ndef area(r):\n    \n\ndef main():\n    pass\n", version=1)
    gathered = gather(document, (3, 4), 512, "qwen2.5-coder:7b")
    assert gathered.shape == "multi_line"
    assert gathered.parts.prefix.endswith("def area(r):\n    ")
    assert gathered.parts.suffix.startswith("\n\ndef main():")
    assert gathered.parts.prefix == gathered.packed.prefix
    assert any("area" in block for block in gathered.parts.related)
    assert gathered.summary["context_tokens"] <= 512
    assert gathered.syntax is not None and gathered.syntax.cursor_byte == len("import math\n\ndef area(r):\n    ")


def test_mid_expression_is_single_line() -> None:
    document = Document("calc.py", "def f(x):\n    return max(x, \n", version=1)
    assert gather(document, (1, 18), 512, None).shape == "single_line"


def test_extra_sections_reach_the_prompt() -> None:
    document = Document("calc.py", "def f(x):\n    \n", version=1)
    gathered = gather(document, (1, 4), 512, None, extra=[Section("Repository map", "util.py:\n  def helper()")])
    assert any("def helper()" in block for block in gathered.parts.related)


def test_secrets_never_reach_the_prompt() -> None:
    secret = "sk-ant-api03-" + "A" * 80
    document = Document("calc.py", f'API_KEY = "{secret}"\n\ndef f():\n    \n', version=1)
    gathered = gather(document, (3, 4), 512, None)
    assert secret not in gathered.parts.prefix
