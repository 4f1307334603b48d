"""Run one piece of user code like a notebook cell.

The final bare expression is displayed; tracebacks keep only the user's frames (with the
user's line numbers and source lines); a SyntaxError names the line and column.
"""
import ast
import linecache
import traceback

CELL_FILENAME = "<cell>"


class CellError(Exception):
    """The cell raised: carries the error event fields and the exception's class."""

    def __init__(self, exc, fields):
        super().__init__(fields["evalue"])
        self.exc = exc
        self.fields = fields


def _user_frames_only(te):
    """Drop the runner's and libraries' frames from a TracebackException and its chain."""
    seen = set()
    while te is not None and id(te) not in seen:
        seen.add(id(te))
        te.stack = traceback.StackSummary.from_list(
            [f for f in te.stack if f.filename == CELL_FILENAME])
        for chained in (te.__cause__, te.__context__):
            if chained is not None:
                _user_frames_only(chained)
        te = None


def error_fields(exc):
    """ename, evalue, traceback (text) and line (+ column for a SyntaxError) of ``exc``."""
    te = traceback.TracebackException.from_exception(exc)
    _user_frames_only(te)
    fields = {"ename": type(exc).__name__, "evalue": str(exc),
              "traceback": "".join(te.format()), "line": None}
    if isinstance(exc, SyntaxError):
        fields.update(evalue=exc.msg, line=exc.lineno, column=exc.offset)
    elif te.stack:
        fields["line"] = te.stack[-1].lineno
    return fields


def error_message(fields):
    """One human line for the finished event."""
    if fields["ename"] in ("SyntaxError", "IndentationError", "TabError") and fields["line"]:
        where = f"line {fields['line']}"
        if fields.get("column"):
            where += f", column {fields['column']}"
        return f"{fields['ename']} at {where}: {fields['evalue']}"[:1000]
    text = f"{fields['ename']}: {fields['evalue']}" if fields["evalue"] else fields["ename"]
    if fields["line"]:
        text += f" (line {fields['line']})"
    return text[:1000]


def compile_cell(code):
    """(body, last_expression) code objects; the last is None if the cell ends in a statement."""
    linecache.cache[CELL_FILENAME] = (len(code), None, code.splitlines(True), CELL_FILENAME)
    tree = ast.parse(code, CELL_FILENAME, "exec")
    last = None
    if tree.body and isinstance(tree.body[-1], ast.Expr):
        last = compile(ast.Expression(tree.body.pop().value), CELL_FILENAME, "eval")
    return compile(tree, CELL_FILENAME, "exec"), last


def run_cell(code, namespace):
    """Execute ``code`` in ``namespace``; return the final expression's value (or None).

    Raises CellError for anything the user's code raised (SyntaxError included), and lets
    SystemExit through so the caller can honour ``sys.exit(0)``.
    """
    try:
        body, last = compile_cell(code)
        exec(body, namespace)
        return eval(last, namespace) if last is not None else None
    except SystemExit:
        raise
    except BaseException as exc:  # KeyboardInterrupt, MemoryError...: all the user's
        raise CellError(exc, error_fields(exc)) from None
