"""Recursive-descent parser of the condition language: text in, ast tree out (never eval)."""

from __future__ import annotations

from cdp.segmentation.domain.conditions import ast, limits
from cdp.segmentation.domain.conditions.errors import ConditionError
from cdp.segmentation.domain.conditions.lexer import Kind, Token
from cdp.segmentation.domain.conditions.stream import (
    FUNCTIONS,
    OPERAND_WORDS,
    TokenStream,
    describe_operand,
)

_COMPARISONS = {
    op.value: op for op in (ast.Op.EQ, ast.Op.NE, ast.Op.LT, ast.Op.LE, ast.Op.GT, ast.Op.GE)
}
_TEXT_OPS = {"contains": ast.Op.CONTAINS, "starts_with": ast.Op.STARTS_WITH}
_OPERATORS = (
    "one of ==, !=, <, <=, >, >=, in, contains, starts_with, exists, is null or is not null"
)
_CONDITION = 'a condition (traits., computed., event(...), consent(...), segment(...), not or "(")'


def parse(text: str, field: str = "condition") -> ast.Node:
    """The tree of a condition, or ConditionError naming the line and column that went wrong."""
    stream = _open(text, field)
    try:
        node = _Parser(stream).expression()
        stream.expect_end("and, or or the end of the condition")
        limits.enforce(node, field)
    except ConditionError as error:
        raise error.for_field(field) from None
    return node


def parse_aggregate(text: str, field: str = "expression") -> ast.Aggregate:
    """The aggregate of a computed trait, e.g. event("Order Completed").count(within = 30d)."""
    stream = _open(text, field)
    try:
        start = stream.peek()
        if not stream.at_word("event"):
            raise stream.error(f'expected event("Name").<function>(...), found {start.describe()}')
        aggregate = _Parser(stream).aggregate(allow_exists=False)
        assert isinstance(aggregate, ast.Aggregate)
        stream.expect_end("the end of the aggregate")
    except ConditionError as error:
        raise error.for_field(field) from None
    return aggregate


def _open(text: str, field: str) -> TokenStream:
    if len(text) > limits.MAX_TEXT:
        raise ConditionError(f"the text is longer than {limits.MAX_TEXT} characters", field=field)
    return TokenStream(text)


class _Parser:
    def __init__(self, stream: TokenStream) -> None:
        self._s = stream

    # expr := or ; or := and ("or" and)* ; and := unary ("and" unary)*
    def expression(self) -> ast.Node:
        start = self._s.peek()
        items = [self._conjunction()]
        while self._s.take_word("or"):
            items.append(self._conjunction())
        return items[0] if len(items) == 1 else self._s.count(ast.Or(tuple(items), start.position))

    def _conjunction(self) -> ast.Node:
        start = self._s.peek()
        items = [self._unary()]
        while self._s.take_word("and"):
            items.append(self._unary())
        return items[0] if len(items) == 1 else self._s.count(ast.And(tuple(items), start.position))

    # unary := "not" unary | "(" expr ")" | predicate
    def _unary(self) -> ast.Node:
        token = self._s.peek()
        if self._s.take_word("not"):
            with self._s.nested(token):
                return self._s.count(ast.Not(self._unary(), token.position))
        if self._s.take_symbol("("):
            with self._s.nested(token):
                node = self.expression()
            self._s.expect_symbol(
                ")",
                f'")" to close the "(" at line {token.position.line}, column {token.position.column}',
            )
            return node
        return self._predicate()

    def _predicate(self) -> ast.Node:
        token = self._s.peek()
        if token.kind is Kind.IDENT and token.text in ("consent", "segment"):
            self._s.next()
            value = self._s.string_argument(token.text)
            node: ast.Node = (
                ast.Consent(value, token.position)
                if token.text == "consent"
                else ast.InSegment(value, token.position)
            )
            return self._s.count(node)
        if self._s.at_word("event"):
            operand = self.aggregate(allow_exists=True)
            if isinstance(operand, ast.EventExists):
                return self._s.count(operand)
            return self._comparison(operand, token)
        if token.kind is Kind.IDENT and token.text in OPERAND_WORDS:
            return self._comparison(self._s.reference(), token)
        raise self._s.error(f"expected {_CONDITION}, found {token.describe()}")

    def _comparison(self, operand: ast.Operand, start: Token) -> ast.Node:
        token = self._s.next()
        where = start.position
        if token.kind is Kind.SYMBOL and token.text in _COMPARISONS:
            return self._s.count(
                ast.Compare(operand, _COMPARISONS[token.text], (self._s.literal(),), where)
            )
        if token.kind is Kind.IDENT and token.text in _TEXT_OPS:
            op = _TEXT_OPS[token.text]
            return self._s.count(ast.Compare(operand, op, (self._s.literal(),), where))
        if token.kind is Kind.IDENT and token.text == "in":
            return self._s.count(ast.Compare(operand, ast.Op.IN, self._s.literal_list(), where))
        if token.kind is Kind.IDENT and token.text == "exists":
            return self._s.count(ast.Compare(operand, ast.Op.EXISTS, (), where))
        if token.kind is Kind.IDENT and token.text == "is":
            return self._null_test(operand, where)
        hint = "use == for equality" if token.text == "=" else _OPERATORS
        raise self._s.error(
            f"expected a comparison operator after {describe_operand(operand)}, "
            f"found {token.describe()} ({hint})",
            token,
        )

    def _null_test(self, operand: ast.Operand, where: ast.Position) -> ast.Node:
        negated = self._s.take_word("not")
        self._s.expect_word("null", 'null after "is not"' if negated else 'null or not after "is"')
        test = self._s.count(ast.Compare(operand, ast.Op.IS_NULL, (), where))
        return self._s.count(ast.Not(test, where)) if negated else test

    # event("Name" [, filter]).<function>([properties.x,] [window args])
    def aggregate(self, allow_exists: bool) -> ast.Aggregate | ast.EventExists:
        start = self._s.next()
        self._s.expect_symbol("(", '"(" after event')
        name = self._s.expect_string("the event name in double quotes")
        event_filter = None
        if self._s.take_symbol(","):
            with self._s.nested(start):
                event_filter = self.expression()
        self._s.expect_symbol(")", '")" or "," and a filter after the event name')
        function = self._function(allow_exists)
        prop, window = self._s.arguments(allow_property=function is not None)
        selector = ast.EventSelector(name, event_filter, window, start.position)
        if function is None:
            return ast.EventExists(selector, start.position)
        return ast.Aggregate(selector, function, prop, start.position)

    def _function(self, allow_exists: bool) -> ast.Function | None:
        """The function after event(...); None for exists."""
        self._s.expect_symbol(".", '"." and a function after event(...)')
        token = self._s.next()
        if allow_exists and token.kind is Kind.IDENT and token.text == "exists":
            return None
        if token.kind is Kind.IDENT and token.text in FUNCTIONS:
            return FUNCTIONS[token.text]
        choices = ("exists or " if allow_exists else "") + "a function (" + ", ".join(FUNCTIONS)
        raise self._s.error(
            f"expected {choices}) after event(...), found {token.describe()}", token
        )
