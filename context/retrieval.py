"""Lexical retrieval over the repo map's index: BM25 over definition-sized code chunks.

API::

    retriever = Retriever(repo_map)
    retriever.search("flush pending session changes", limit=10)      # or a list of identifiers
    retriever.snippets_for_identifiers(["Session", "flush"], budget_tokens=400, exclude_paths=[current])
    completion_context(repo_map, retriever, idents, 1024, focus_files=[current], ...)  # snippets + map
    retriever_for(repo_map)                       # the one retriever of a map (the agent's tools)
    file_ranking(repo_map, "session flush")       # path -> best BM25 score (ranks search results)

Chunks are the definitions tree-sitter found (functions, methods, classes, ... with a span: the
``Tag.end_line`` of a definition): a chunk's terms are the names of the tags inside its span, split
at ``snake_case`` and ``camelCase`` boundaries and lowercased, the definition's own name counting
twice. The index follows the repo map by content digest, one file at a time (an edit re-indexes one
file). It covers the files whose tags the map has at hand (:attr:`FileRecord.parsed`): a search
never parses the repository itself. The map's background parse (phase 2,
:meth:`RepoMap.parse_remaining`, which the LSP server runs after indexing) gives it every file;
callers without that background parse call :meth:`Retriever.prepare`, which runs it now. Once the
index has covered every file, files edited since (up to MAX_PARSED_ON_DEMAND per search) are
parsed on demand so that a search sees the edit.
:attr:`Retriever.complete` says whether the last search covered every indexed file. Snippet text is
read when a result is returned (from the open buffer when there is one). Results are sorted by
score, then path and line: deterministic. Token budgets are hard, measured with :func:`context.tokens.count_tokens`.
"""

from __future__ import annotations

import bisect
import math
import re
import threading
import weakref
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from context.repomap.index import FileRecord, RepoMap
from context.source.symbols import Tag
from context.tokens import count_tokens, truncate_to_tokens

K1 = 1.2
B = 0.75
NAME_BONUS = 2.0
MAX_SNIPPET_LINES = 40
MAX_DEFINITIONS_PER_IDENTIFIER = 2
AMBIGUOUS_DEFINITIONS = 12
MAX_PARSED_ON_DEMAND = 32
_PRIMARY_KINDS = frozenset({"class", "function", "method", "interface", "struct", "type", "enum", "trait", "module"})
_TEST_PATH = re.compile(r"(^|/)(tests?|testing|spec|__tests__)/|(^|/)test_[^/]*$|_test\.[a-z]+$|\.(spec|test)\.[a-z]+$")
SNIPPET_SHARE = 0.5
_IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_SUBWORD = re.compile(r"[A-Z]+(?![a-z])|[A-Z]?[a-z]+|[0-9]+")


def terms_of(identifier: str) -> list[str]:
    """An identifier's search terms: itself lowercased, and its subwords when there are several."""
    whole = identifier.lower()
    parts = [part.lower() for part in _SUBWORD.findall(identifier)]
    return [whole, *(part for part in parts if part != whole)] if len(parts) > 1 else [whole]


def query_terms(query: str | Sequence[str]) -> list[str]:
    """Terms of a free-text query or a list of identifiers, deduplicated in first-seen order."""
    words = _IDENT.findall(query) if isinstance(query, str) else list(query)
    seen: dict[str, None] = {}
    for word in words:
        for term in terms_of(word):
            seen.setdefault(term, None)
    return list(seen)


@dataclass(frozen=True)
class Snippet:
    """Lines ``start_line..end_line`` (0-based, inclusive) of `path`, around definition `name`."""

    path: str
    start_line: int
    end_line: int
    name: str
    kind: str
    score: float
    text: str

    def render(self) -> str:
        """The snippet as the model sees it: a ``path:first-last`` line (1-based), then the code."""
        body = self.text if self.text.endswith("\n") else self.text + "\n"
        return f"{self.path}:{self.start_line + 1}-{self.end_line + 1}\n{body}"


@dataclass(frozen=True)
class _Chunk:
    path: str
    start_line: int
    end_line: int
    name: str
    kind: str
    length: int


def _chunks_of(record: FileRecord) -> list[tuple[_Chunk, dict[str, int]]]:
    """One chunk per multi-line definition, with the term frequencies of the tags inside it."""
    tags = record.tags
    lines = [tag.line for tag in tags]
    chunks: list[tuple[_Chunk, dict[str, int]]] = []
    for tag in tags:
        if tag.role != "def" or tag.end_line is None or tag.end_line <= tag.line:
            continue
        frequencies: dict[str, int] = {}
        for inner in tags[bisect.bisect_left(lines, tag.line) : bisect.bisect_right(lines, tag.end_line)]:
            for term in terms_of(inner.name):
                frequencies[term] = frequencies.get(term, 0) + 1
        for term in terms_of(tag.name):
            frequencies[term] = frequencies.get(term, 0) + 1
        length = sum(frequencies.values())
        chunks.append((_Chunk(record.path, tag.line, tag.end_line, tag.name, tag.kind, length), frequencies))
    return chunks


class Retriever:
    """BM25 over the repo map's definitions; kept in step with the map lazily, file by file."""

    def __init__(self, repo_map: RepoMap) -> None:
        self._map = repo_map
        self._lock = threading.Lock()
        self._digests: dict[str, str] = {}
        self._file_chunks: dict[str, list[int]] = {}
        self._chunks: dict[int, _Chunk] = {}
        self._postings: dict[str, dict[int, int]] = {}
        self._next_id = 0
        self._total_length = 0
        self.complete = False

    def _sync(self) -> None:
        every = self._map.records()
        records = {record.path: record for record in every if record.parsed}
        if self.complete:  # covered everything before: parse the few files edited since, on demand
            changed = [r for r in every if not r.parsed and self._digests.get(r.path) != r.digest]
            if len(changed) <= MAX_PARSED_ON_DEMAND:
                records.update((record.path, record) for record in changed)
        self.complete = len(records) == len(every)
        for path in sorted(self._digests.keys() - records.keys()):
            self._drop(path)
        for path in sorted(records):
            record = records[path]
            if self._digests.get(path) != record.digest:
                self._drop(path)
                self._add(record)

    def _drop(self, path: str) -> None:
        for chunk_id in self._file_chunks.pop(path, []):
            chunk = self._chunks.pop(chunk_id)
            self._total_length -= chunk.length
        self._digests.pop(path, None)
        # Postings of dropped chunks are removed lazily in _score (the chunk id no longer exists).

    def _add(self, record: FileRecord) -> None:
        ids: list[int] = []
        for chunk, frequencies in _chunks_of(record):
            chunk_id = self._next_id
            self._next_id += 1
            self._chunks[chunk_id] = chunk
            self._total_length += chunk.length
            for term, frequency in frequencies.items():
                self._postings.setdefault(term, {})[chunk_id] = frequency
            ids.append(chunk_id)
        self._file_chunks[record.path] = ids
        self._digests[record.path] = record.digest

    def _score(self, terms: Sequence[str], wanted_names: frozenset[str]) -> list[tuple[float, _Chunk]]:
        count = len(self._chunks)
        if count == 0:
            return []
        average = self._total_length / count
        scores: dict[int, float] = {}
        for term in terms:
            postings = self._postings.get(term)
            if not postings:
                continue
            stale = [chunk_id for chunk_id in postings if chunk_id not in self._chunks]
            for chunk_id in stale:
                del postings[chunk_id]
            if not postings:
                continue
            idf = math.log(1.0 + (count - len(postings) + 0.5) / (len(postings) + 0.5))
            for chunk_id, frequency in sorted(postings.items()):
                length = self._chunks[chunk_id].length
                gain = idf * frequency * (K1 + 1) / (frequency + K1 * (1 - B + B * length / average))
                scores[chunk_id] = scores.get(chunk_id, 0.0) + gain
        ranked = []
        for chunk_id, score in scores.items():
            chunk = self._chunks[chunk_id]
            if chunk.name.lower() in wanted_names:
                score += NAME_BONUS * math.log(1.0 + count)
            ranked.append((score, chunk))
        ranked.sort(key=lambda item: (-item[0], item[1].path, item[1].start_line, item[1].name))
        return ranked

    def prepare(self) -> None:
        """Parse what the map has not parsed yet (its phase 2, in this thread) and bring the index
        up to date: for callers without the map's background parse (the command line, tests)."""
        self._map.parse_remaining_sync()
        with self._lock:
            self._sync()

    def search(self, query: str | Sequence[str], limit: int = 10) -> list[Snippet]:
        """The `limit` best chunks for a free-text query or a list of identifiers."""
        terms = query_terms(query)
        words = _IDENT.findall(query) if isinstance(query, str) else list(query)
        with self._lock:
            self._sync()
            ranked = self._score(terms, frozenset(word.lower() for word in words))[: max(0, limit)]
        return [snippet for score, chunk in ranked if (snippet := self._snippet(chunk, score)) is not None]

    def rank_files(self, query: str | Sequence[str], limit: int = 200) -> dict[str, float]:
        """path -> the score of its best chunk among the `limit` best (no file is read)."""
        terms = query_terms(query)
        words = _IDENT.findall(query) if isinstance(query, str) else list(query)
        with self._lock:
            self._sync()
            ranked = self._score(terms, frozenset(word.lower() for word in words))[: max(0, limit)]
        found: dict[str, float] = {}
        for score, chunk in ranked:
            found.setdefault(chunk.path, score)
        return found

    def _snippet(self, chunk: _Chunk, score: float) -> Snippet | None:
        text = self._map.source_text(chunk.path)
        if text is None:
            return None
        lines = text.splitlines(keepends=True)
        end = min(chunk.end_line, chunk.start_line + MAX_SNIPPET_LINES - 1, len(lines) - 1)
        if chunk.start_line > end:
            return None
        body = "".join(lines[chunk.start_line : end + 1])
        return Snippet(chunk.path, chunk.start_line, end, chunk.name, chunk.kind, score, body)

    def snippets_for_identifiers(
        self,
        idents: Iterable[str],
        budget_tokens: int,
        *,
        exclude_paths: Iterable[str] = (),
        model: str | None = None,
    ) -> list[Snippet]:
        """Definitions of `idents` (in the given order: nearest the cursor first), as many as fit.

        At most MAX_DEFINITIONS_PER_IDENTIFIER per name, preferring definitions outside test code,
        of classes and functions over variables, in shorter paths; names defined in more than
        AMBIGUOUS_DEFINITIONS places are skipped (``get``, ``__init__``: not worth the budget). The
        rendered snippets together never exceed `budget_tokens`; a long definition is cut at a line
        boundary to fit.
        """
        skip = frozenset(exclude_paths)
        chosen: list[Snippet] = []
        used = 0
        seen: set[tuple[str, int]] = set()
        for ident in dict.fromkeys(idents):
            definitions = [tag for tag in self._map.definitions(ident) if tag.path not in skip]
            if len(definitions) > AMBIGUOUS_DEFINITIONS:
                continue
            definitions.sort(key=_definition_preference)
            for tag in definitions[:MAX_DEFINITIONS_PER_IDENTIFIER]:
                if (tag.path, tag.line) in seen:
                    continue
                snippet = self._fit(tag, budget_tokens - used, model)
                if snippet is None:
                    continue
                seen.add((tag.path, tag.line))
                chosen.append(snippet)
                used += count_tokens(snippet.render(), model)
        return chosen

    def _fit(self, tag: Tag, remaining: int, model: str | None) -> Snippet | None:
        chunk = _Chunk(
            tag.path, tag.line, tag.end_line if tag.end_line is not None else tag.line, tag.name, tag.kind, 0
        )
        snippet = self._snippet(chunk, 0.0)
        if snippet is None or remaining <= 0:
            return None
        if count_tokens(snippet.render(), model) <= remaining:
            return snippet
        header_cost = count_tokens(f"{snippet.path}:{snippet.start_line + 1}-{snippet.end_line + 1}\n", model)
        body = truncate_to_tokens(snippet.text, remaining - header_cost, model)
        kept_lines = body.count("\n")
        if kept_lines == 0 or not body.endswith("\n"):
            return None
        cut = Snippet(
            snippet.path, snippet.start_line, snippet.start_line + kept_lines - 1, tag.name, tag.kind, 0.0, body
        )
        return cut if count_tokens(cut.render(), model) <= remaining else None


def _definition_preference(tag: Tag) -> tuple[bool, bool, int, str, int]:
    return (bool(_TEST_PATH.search(tag.path)), tag.kind not in _PRIMARY_KINDS, tag.path.count("/"), tag.path, tag.line)


def render_snippets(snippets: Iterable[Snippet]) -> str:
    """Snippets one after another, each with its location line."""
    return "".join(snippet.render() for snippet in snippets)


def completion_context(
    repo_map: RepoMap,
    retriever: Retriever,
    idents: Sequence[str],
    budget_tokens: int,
    *,
    focus_files: Sequence[str] = (),
    open_files: Sequence[str] = (),
    recent_files: Sequence[str] = (),
    model: str | None = None,
) -> str:
    """Definitions of the identifiers near the cursor, then the repo map, under one hard budget.

    Snippets get up to SNIPPET_SHARE of the budget; the map gets whatever is left (so a cursor
    with no known identifiers gets a full-size map). Deterministic like its parts.
    """
    if budget_tokens <= 0:
        return ""
    snippet_header = "Definitions of names used near the cursor:\n"
    map_header = "Repository map (ranked definitions):\n"
    snippet_budget = int(budget_tokens * SNIPPET_SHARE) - count_tokens(snippet_header, model)
    snippets = retriever.snippets_for_identifiers(idents, snippet_budget, exclude_paths=focus_files, model=model)
    parts: list[str] = []
    used = 0
    if snippets:
        block = snippet_header + render_snippets(snippets)
        parts.append(block)
        used += count_tokens(snippet_header, model) + sum(count_tokens(s.render(), model) for s in snippets)
    map_budget = budget_tokens - used - count_tokens(map_header, model)
    rendered_map = repo_map.render(
        map_budget,
        focus_files=focus_files,
        open_files=open_files,
        recent_files=recent_files,
        mentioned_idents=idents,
        model=model,
    )
    if rendered_map:
        parts.append(map_header + rendered_map)
    text = "".join(parts)
    return text if count_tokens(text, model) <= budget_tokens else truncate_to_tokens(text, budget_tokens, model)


_retrievers: weakref.WeakKeyDictionary[RepoMap, Retriever] = weakref.WeakKeyDictionary()
_retrievers_lock = threading.Lock()


def retriever_for(repo_map: RepoMap) -> Retriever:
    """The one :class:`Retriever` of a repo map (its index is kept in step lazily, file by file)."""
    with _retrievers_lock:
        found = _retrievers.get(repo_map)
        if found is None:
            found = _retrievers[repo_map] = Retriever(repo_map)
        return found


def file_ranking(repo_map: RepoMap, query: str | Sequence[str], limit: int = 200) -> dict[str, float]:
    """path -> the BM25 score of its best definition for `query` (files without a match absent)."""
    return retriever_for(repo_map).rank_files(query, limit)
