"""The parser's token cursor and its leaf rules: literals, trait/property keys, window arguments."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TypeVar

from cdp.segmentation.domain.conditions import ast, limits, values
from cdp.segmentation.domain.conditions.errors import MAX_QUOTE, ConditionError
from cdp.segmentation.domain.conditions.lexer import Kind, Token, tokens

FUNCTIONS = {function.value: function for function in ast.Function}
OPERAND_WORDS = {"traits": ast.TraitRef, "computed": ast.ComputedRef, "properties": ast.PropertyRef}
_WINDOW_WORDS = ("within", "after", "before", "between")
_VALUE = "a value (a string, a number, true, false, timestamp(...) or date(...))"
_N = TypeVar("_N", bound=ast.Node)
_T = TypeVar("_T")


def describe_operand(operand: ast.Operand) -> str:
    """The operand as error messages show it, with at most MAX_QUOTE characters of its key."""
    if isinstance(operand, ast.Aggregate):
        return f"event(...).{operand.function.value}(...)"
    prefix = {ast.TraitRef: "traits", ast.ComputedRef: "computed", ast.PropertyRef: "properties"}
    key = operand.key if len(operand.key) <= MAX_QUOTE else operand.key[: MAX_QUOTE - 1] + "…"
    if values.is_identifier(operand.key):
        return f"{prefix[type(operand)]}.{key}"
    return f'{prefix[type(operand)]}["{key}"]'


def _twice(name: str, window: dict[str, object]) -> str:
    if name in window and (name == "between" or "between" not in window):
        return f"{name} is given twice"
    return "between sets both after and before: give either between or after/before"


class TokenStream:
    """The tokens of one text, read left to right, with the depth and size budgets."""

    def __init__(self, text: str) -> None:
        # Lexed on demand, so the first problem in the text is the one reported.
        self._source = tokens(text)
        self._ahead: list[Token] = []
        self._depth = 0
        self._nodes = 0

    def peek(self, ahead: int = 0) -> Token:
        while len(self._ahead) <= ahead and not (self._ahead and self._ahead[-1].kind is Kind.END):
            self._ahead.append(next(self._source))
        return self._ahead[min(ahead, len(self._ahead) - 1)]

    def next(self) -> Token:
        """The current token, moving past it (END stays current forever)."""
        token = self.peek()
        if token.kind is not Kind.END:
            self._ahead.pop(0)
        return token

    def at_word(self, word: str) -> bool:
        token = self.peek()
        return token.kind is Kind.IDENT and token.text == word

    def take_word(self, word: str) -> bool:
        found = self.at_word(word)
        if found:
            self.next()
        return found

    def take_symbol(self, symbol: str) -> bool:
        token = self.peek()
        found = token.kind is Kind.SYMBOL and token.text == symbol
        if found:
            self.next()
        return found

    def error(self, message: str, token: Token | None = None) -> ConditionError:
        return ConditionError(message, (token or self.peek()).position)

    def _expected(self, what: str) -> ConditionError:
        token = self.peek()
        return self.error(f"expected {what}, found {token.describe()}", token)

    def expect_symbol(self, symbol: str, what: str) -> None:
        if not self.take_symbol(symbol):
            raise self._expected(what)

    def expect_word(self, word: str, what: str) -> None:
        if not self.take_word(word):
            raise self._expected(what)

    def expect_string(self, what: str) -> str:
        if self.peek().kind is not Kind.STRING:
            raise self._expected(what)
        return str(self.next().value)

    def expect_end(self, what: str) -> None:
        token = self.peek()
        if token.kind is not Kind.END:
            unmatched = ' with no matching "("' if token.text == ")" else ""
            raise self.error(f"expected {what}, found {token.describe()}{unmatched}", token)

    @contextmanager
    def nested(self, token: Token) -> Iterator[None]:
        """One level deeper (parentheses, not, event filters), refused past the limit."""
        self._depth += 1
        if self._depth > limits.MAX_DEPTH:
            raise limits.too_deep(token.position)
        yield
        self._depth -= 1

    def count(self, node: _N) -> _N:
        """Counts a new condition against the size limit and returns it."""
        self._nodes += 1
        if self._nodes > limits.MAX_NODES:
            raise limits.too_large(node.position)
        return node

    def string_argument(self, function: str) -> str:
        """The ("...") after consent, segment, timestamp and date."""
        self.expect_symbol("(", f'"(" after {function}')
        value = self.expect_string(f"a string in double quotes as the argument of {function}")
        self.expect_symbol(")", f'")" after the argument of {function}')
        return value

    def reference(self) -> ast.TraitRef | ast.ComputedRef | ast.PropertyRef:
        """traits.key, traits["key"], and the same for computed and properties."""
        start = self.next()
        if self.take_symbol("["):
            key = self.expect_string(f"a key in double quotes after {start.text}[")
            self.expect_symbol("]", f'"]" after {start.text}["..."')
        else:
            self.expect_symbol(".", f'"." or "[" after {start.text}')
            token = self.next()
            if token.kind is not Kind.IDENT:
                raise self.error(
                    f'expected a key after {start.text}. (or {start.text}["any key"]), '
                    f"found {token.describe()}",
                    token,
                )
            key = token.text
        return OPERAND_WORDS[start.text](key, start.position)

    def literal(self) -> ast.Literal:
        token = self.next()
        if token.kind is Kind.STRING:
            return str(token.value)
        if token.kind is Kind.NUMBER:
            return self._read(values.number, token.text, token)
        if token.kind is Kind.IDENT and token.text in ("true", "false"):
            return token.text == "true"
        if token.kind is Kind.IDENT and token.text in ("timestamp", "date"):
            return self._instant(token)
        hint = " (use is null or exists)" if token.text == "null" else ""
        raise self.error(f"expected {_VALUE}, found {token.describe()}{hint}", token)

    def literal_list(self) -> tuple[ast.Literal, ...]:
        """[value, value, ...] after in."""
        start = self.peek()
        self.expect_symbol("[", '"[" and a list of values after in')
        items: list[ast.Literal] = []
        while not self.take_symbol("]"):
            if items:
                self.expect_symbol(",", '"," or "]" in the list')
            items.append(self.literal())
            if len(items) > limits.MAX_IN_VALUES:
                raise limits.too_many_values(start.position)
        return tuple(items)

    def _instant(self, token: Token) -> ast.Timestamp:
        text_token = self.peek(1)
        text = self.string_argument(token.text)
        read = values.timestamp if token.text == "timestamp" else values.day
        return self._read(read, text, text_token)

    def _read(self, read: Callable[[str], _T], text: str, token: Token) -> _T:
        try:
            return read(text)
        except values.ValueProblem as problem:
            raise self.error(str(problem), token) from None

    def arguments(self, allow_property: bool) -> tuple[str | None, ast.Window]:
        """([properties.x,] [within = 30d, after = ..., before = ..., between = [..., ...]])."""
        self.expect_symbol("(", '"(" after the function name')
        prop: str | None = None
        window: dict[str, object] = {}
        while not self.take_symbol(")"):
            if prop is not None or window:
                self.expect_symbol(",", '"," or ")" in the arguments')
            token = self.peek()
            if allow_property and prop is None and not window and self.at_word("properties"):
                prop = self.reference().key
            elif token.kind is Kind.IDENT and token.text in _WINDOW_WORDS:
                self._window_argument(window)
            else:
                raise self._expected(self._argument_choices(allow_property and prop is None))
        return prop, ast.Window(window.get("within"), window.get("after"), window.get("before"))

    @staticmethod
    def _argument_choices(property_allowed: bool) -> str:
        kinds = "within = 30d, after = timestamp(...), before = ..., between = [..., ...]"
        first = "properties.<key> or " if property_allowed else ""
        return f"{first}a window argument ({kinds})"

    def _window_argument(self, window: dict[str, object]) -> None:
        token = self.next()
        name = token.text
        taken = {"between": ("after", "before", "between")}.get(name, (name,))
        if any(bound in window for bound in taken):
            raise self.error(_twice(name, window), token)
        self.expect_symbol("=", f'"=" after {name}')
        if name == "within":
            window["within"] = self._duration()
        elif name == "between":
            window["after"], window["before"] = self._between()
            window["between"] = True
        else:
            window[name] = self._timestamp_value(name)

    def _duration(self) -> int:
        token = self.next()
        if token.kind is not Kind.DURATION:
            raise self.error(f"expected a duration such as 30d, found {token.describe()}", token)
        return self._read(values.duration, token.text, token)

    def _timestamp_value(self, name: str) -> ast.Timestamp:
        token = self.peek()
        if token.kind is Kind.IDENT and token.text in ("timestamp", "date"):
            return self._instant(self.next())
        raise self._expected(f'timestamp("...") or date("...") after {name} =')

    def _between(self) -> tuple[ast.Timestamp, ast.Timestamp]:
        self.expect_symbol("[", '"[" after between =')
        after = self._timestamp_value("between")
        self.expect_symbol(",", '"," between the two instants')
        before = self._timestamp_value("between")
        self.expect_symbol("]", '"]" after the two instants')
        return after, before
