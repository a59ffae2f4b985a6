"""Full-width punctuation for the Chinese half of the string tables.

`fullwidth(text)` turns ASCII , : ; ! ? ( ) into ，：；！？（） where they punctuate Chinese, and
leaves placeholders, code, links, URLs, numbers and formulas alone; `python -m ui.zh_typography`
rewrites the Chinese texts of ui/strings/*.py in place (English untouched). The rule (W3C clreq):

- , : ; ! ? become full-width when the nearest character before or after them is Chinese (a Han
  character or a full-width mark), looking past spaces, `*` emphasis, curly quotes and `{name}`
  placeholders; and , ; : also when glued to both neighbours ("VAE,β", "{label}:{reason}"), since
  English would put a space after them. Never between two numbers ("1,000", "3:4", "32,64",
  "{a:.2f}:{b:.2f}").
- A pair ( ) becomes （） when it holds Chinese, when Chinese stands right outside it, or when "("
  is glued to the word before it ("{score}(AUROC 0.9)"), unless it is a function's argument list
  (p(x | 类别), N(0, 1), log(x): see `_is_call`), which is kept as written, content included.
- ASCII spaces touching ，：；！？（） go: full-width marks carry their own space.
Never touched: {placeholders} and %{plotly} fields, `code`, ``` fences, [text](target) targets,
<tags>, :material/icons:, and URLs.
"""

from __future__ import annotations

import ast
import re
import sys
import tokenize
from pathlib import Path

FULLWIDTH = {",": "，", ":": "：", ";": "；", "!": "！", "?": "？", "(": "（", ")": "）"}
_MARKS = "".join(FULLWIDTH.values())

_CJK = re.compile(
    "[\u2e80-\u2fff\u3000-\u303f\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\ufe30-\ufe4f\uff00-\uffef]"
)
_PLACEHOLDER = re.compile(r"%?\{[^{}\n]*\}")
_PROTECTED = re.compile(
    r"""```.*?```                      # fenced code
      | `[^`\n]*`                      # inline code
      | %?\{[^{}\n]*\}                 # format field {n:,} or plotly %{y:.2f}
      | \]\([^()\s]*\)                 # the target of a markdown link [text](target)
      | <[^<>\n]*>                     # an HTML tag such as <br>
      | :material/[a-z0-9_]+:          # a Material icon
      | (?:https?|file)://[^\s<>()`"“”，。：；！？（）、]*[^\s<>()`"“”，。：；！？（）、.,:;!?]  # a URL
    """,
    re.X | re.S,
)
_SPACES_BY_MARK = re.compile(f" +(?=[{_MARKS}])|(?<=[{_MARKS}]) +")
_SEE_THROUGH = " *“”‘’"  # skipped when looking for the character beside a mark


def is_cjk(char: str | None) -> bool:
    """A Han character, kana, or a CJK / full-width punctuation mark."""
    return char is not None and bool(_CJK.match(char))


def _masks(text: str) -> tuple[list[bool], list[bool]]:
    protected, placeholder = [False] * len(text), [False] * len(text)
    for match in _PROTECTED.finditer(text):
        is_field = bool(_PLACEHOLDER.fullmatch(match.group()))
        for i in range(match.start(), match.end()):
            protected[i] = True
            placeholder[i] = is_field
    return protected, placeholder


def _neighbour(text: str, i: int, step: int, placeholder: list[bool]) -> str | None:
    """The first character from i in direction step (±1) that is not a space, emphasis, quote or field."""
    while 0 <= i < len(text):
        if text[i] not in _SEE_THROUGH and not placeholder[i]:
            return text[i]
        i += step
    return None


def _is_call(text: str, open_at: int, close_at: int) -> bool:
    """True for "(" glued to a function name, as in p(x), N(0, 1), q(z|x), log(x): a formula, not prose.

    A name is one Latin letter, or a lower-case word whose arguments hold no Chinese (upper-case words
    are acronyms: VAE(变分自编码器); disentanglement_lib(Locatello 等) is prose); the arguments must not
    start with Chinese (C(奈特) is prose).
    """
    name = re.search(r"[A-Za-z][A-Za-z0-9_]*\Z", text[:open_at])
    arguments = text[open_at + 1:close_at]
    if not name or (len(name.group()) > 1 and not (name.group().islower() and not _CJK.search(arguments))):
        return False
    return not is_cjk(arguments.lstrip()[:1] or None)


_NUMBER_FIELD = r"%?\{[^{}:]*:[^{}]*[dfFgGeEn%,]\}"  # a format field with a numeric spec: {x:.2f}, {n:,}


def _number_ends_at(text: str, i: int) -> bool:
    """text[:i] ends in a digit or a numeric format field."""
    return i > 0 and (text[i - 1].isdigit() or bool(re.search(_NUMBER_FIELD + r"\Z", text[:i])))


def _number_starts_at(text: str, i: int) -> bool:
    """text[i:] starts with a digit or a numeric format field."""
    return i < len(text) and (text[i].isdigit() or bool(re.match(_NUMBER_FIELD, text[i:])))


def _glued(text: str, i: int) -> bool:
    """No space between text[i - 1] and text[i]: English puts one around its , ; : and before its (."""
    return 0 < i < len(text) and not text[i - 1].isspace() and not text[i].isspace()


def _one_pass(text: str) -> str:
    protected, placeholder = _masks(text)
    convert: set[int] = set()
    chinese_context = lambda i: is_cjk(_neighbour(text, i - 1, -1, placeholder)) or is_cjk(  # noqa: E731
        _neighbour(text, i + 1, +1, placeholder))

    # Brackets first, as pairs; the content of a kept formula call is protected as a whole.
    stack: list[int] = []
    for i, char in enumerate(text):
        if protected[i] or char not in "()":
            continue
        if char == "(":
            stack.append(i)
        elif stack:
            start = stack.pop()
            if _is_call(text, start, i):
                protected[start:i + 1] = [True] * (i + 1 - start)
                convert -= set(range(start, i + 1))
            elif (_CJK.search(text, start + 1, i) or _glued(text, start)
                  or is_cjk(_neighbour(text, start - 1, -1, placeholder))
                  or is_cjk(_neighbour(text, i + 1, +1, placeholder))):
                convert |= {start, i}
        elif chinese_context(i):  # an unmatched ")"
            convert.add(i)
    convert |= {i for i in stack if chinese_context(i)}  # unmatched "("

    for i, char in enumerate(text):
        if protected[i] or char not in ",:;!?":
            continue
        between_digits = _number_ends_at(text, i) and _number_starts_at(text, i + 1)
        glued = char in ",;:" and _glued(text, i) and _glued(text, i + 1) and not (
            char == ":" and (text[i - 1] in "|-:" or text[i + 1] in "|-:/="))
        if not between_digits and (glued or chinese_context(i)):
            convert.add(i)

    out = "".join(FULLWIDTH[c] if i in convert else c for i, c in enumerate(text))
    # Full-width marks carry their own space: drop ASCII spaces touching one (1:1 so far, so the mask holds).
    return _SPACES_BY_MARK.sub(lambda m: m.group() if protected[m.start()] else "", out)


def fullwidth(text: str) -> str:
    """text with full-width punctuation wherever it punctuates Chinese (see the module docstring).

    Idempotent; repeats its pass because a mark converted in one pass can be the Chinese neighbour
    of the next one, as in "(AUROC 0.9);{score}:".
    """
    for _ in range(len(text) + 1):
        fixed = _one_pass(text)
        if fixed == text:
            return text
        text = fixed
    return text


# ---- rewriting ui/strings/*.py in place -------------------------------------------------------

_ESCAPE = re.compile(r"\\(?:\n|x[0-9a-fA-F]{2}|u[0-9a-fA-F]{4}|U[0-9a-fA-F]{8}|N\{[^}]+\}|[0-7]{1,3}|.)", re.S)


def _value_offsets(source: str, token: tokenize.TokenInfo, start: int) -> list[int | None]:
    """For each character of a string literal's value, its offset in source, or None where escaped."""
    text = token.string
    prefix = re.match(r"[A-Za-z]*", text).group()
    quote = text[len(prefix):len(prefix) + 3] if text[len(prefix):len(prefix) + 3] in ('"""', "'''") \
        else text[len(prefix)]
    body_start = start + len(prefix) + len(quote)
    body = text[len(prefix) + len(quote):len(text) - len(quote)]
    offsets: list[int | None] = []
    i = 0
    while i < len(body):
        escape = None if "r" in prefix.lower() else _ESCAPE.match(body, i)
        if escape:
            offsets += [None] * len(ast.literal_eval(f'"{escape.group()}"'))
            i = escape.end()
        else:
            offsets.append(body_start + i)
            i += 1
    return offsets


def _edits(old: str, new: str) -> list[tuple[int, str]]:
    """(index in old, replacement) turning old into new; fullwidth only swaps marks and drops spaces."""
    edits, j = [], 0
    for i, char in enumerate(old):
        if j < len(new) and new[j] == char:
            j += 1
        elif j < len(new) and new[j] == FULLWIDTH.get(char):
            edits.append((i, new[j]))
            j += 1
        elif char == " ":
            edits.append((i, ""))
        else:
            raise ValueError(f"cannot align {old!r} with {new!r}")
    if j != len(new):
        raise ValueError(f"cannot align {old!r} with {new!r}")
    return edits


def rewrite_table(source: str) -> tuple[str, list[str]]:
    """The source of a ui/strings module with fullwidth() applied to every Chinese text, and the keys changed.

    Edits the literals in place, character by character, so line breaks, implicit concatenation and
    comments stay as they were; the English texts are never touched.
    """
    lines = source.splitlines(keepends=True)
    line_start = [0]
    for line in lines:
        line_start.append(line_start[-1] + len(line))

    def offset(row: int, byte_col: int) -> int:  # ast columns count UTF-8 bytes
        return line_start[row - 1] + len(lines[row - 1].encode()[:byte_col].decode())

    strings = [(line_start[t.start[0] - 1] + t.start[1], t) for t in
               tokenize.generate_tokens(iter(lines).__next__) if t.type == tokenize.STRING]
    edits: list[tuple[int, str]] = []
    changed: list[str] = []
    for node in ast.walk(ast.parse(source)):
        if not (isinstance(node, ast.Assign) and isinstance(node.value, ast.Dict)
                and any(isinstance(t, ast.Name) and t.id == "STRINGS" for t in node.targets)):
            continue
        for key, pair in zip(node.value.keys, node.value.values):
            if not (isinstance(key, ast.Constant) and isinstance(pair, ast.Tuple) and len(pair.elts) == 2
                    and isinstance(pair.elts[1], ast.Constant) and isinstance(pair.elts[1].value, str)):
                continue
            chinese = pair.elts[1]
            old, new = chinese.value, fullwidth(chinese.value)
            if new == old:
                continue
            begin = offset(chinese.lineno, chinese.col_offset)
            end = offset(chinese.end_lineno, chinese.end_col_offset)
            where = [o for start, token in strings if begin <= start < end
                     for o in _value_offsets(source, token, start)]
            assert len(where) == len(old), key.value
            for index, replacement in _edits(old, new):
                at = where[index]
                if at is None or source[at] != old[index]:
                    raise ValueError(f"{key.value}: character {index} is escaped in the source; fix it by hand")
                edits.append((at, replacement))
            changed.append(key.value)
    for at, replacement in sorted(edits, reverse=True):
        source = source[:at] + replacement + source[at + 1:]
    return source, changed


def main(paths: list[str]) -> int:
    """Rewrite the given strings modules (default: every ui/strings/*.py) in place; print what changed."""
    files = [Path(p) for p in paths] or sorted((Path(__file__).parent / "strings").glob("*.py"))
    for path in files:
        source = path.read_text(encoding="utf-8")
        fixed, changed = rewrite_table(source)
        if changed:
            assert ast.dump(ast.parse(fixed)) != ast.dump(ast.parse(source))
            temporary = path.with_suffix(".py.tmp")
            temporary.write_text(fixed, encoding="utf-8")
            temporary.replace(path)  # atomic: a page importing the table mid-write sees old or new, whole
        print(f"{path}: {len(changed)} Chinese texts changed")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
