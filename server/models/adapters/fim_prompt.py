"""Fill-in-the-middle: which models take a suffix natively, and a chat prompt for those that don't."""

from __future__ import annotations

from server.models.types import ChatRequest, FimRequest, Message

# Model families served with a native FIM template behind /v1/completions + suffix (Ollama,
# vLLM, LM Studio, llama.cpp, Mistral's codestral).
_FIM_FAMILIES = (
    "codestral",
    "qwen2.5-coder",
    "qwen3-coder",
    "deepseek-coder",
    "starcoder",
    "codellama",
    "codegemma",
    "granite-code",
    "stable-code",
)

# Open next-edit models (Zed's Zeta family) take one raw prompt on /v1/completions (no suffix).
_NEXT_EDIT_FAMILIES = ("zeta",)

CURSOR = "<|CURSOR|>"

FIM_SYSTEM = (
    "You are a code completion engine. The user sends a file with the marker "
    f"{CURSOR} where the cursor is. Reply with exactly the text to insert at the marker: "
    "no explanations, no code fences, no repetition of the code before or after it."
)


def model_supports_fim(model: str) -> bool:
    """True for code models known to accept a suffix on the completions endpoint."""
    name = model.lower().rsplit("/", 1)[-1]
    return any(family in name for family in _FIM_FAMILIES)


def model_is_next_edit(model: str) -> bool:
    """True for open next-edit models, served behind /v1/completions with their own prompt layout."""
    name = model.lower().rsplit("/", 1)[-1]
    return any(family in name for family in _NEXT_EDIT_FAMILIES)


def fim_as_chat(request: FimRequest) -> ChatRequest:
    """A chat request asking a chat-only model to fill the middle."""
    prompt = f"{request.prefix}{CURSOR}{request.suffix}"
    return ChatRequest(
        feature=request.feature,
        system=FIM_SYSTEM,
        messages=(Message.user(prompt),),
        max_tokens=request.max_tokens,
        temperature=request.temperature,
        stop=request.stop,
        model=request.model,
        metadata=request.metadata,
        logprobs=request.logprobs,
        budget=request.budget,
    )
