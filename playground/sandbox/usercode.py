"""Run one piece of user code like a notebook cell.

The final bare expression is displayed; tracebacks keep only the user's frames (with the
user's line numbers and source lines); a SyntaxError names the line and column.
"""
import ast
import linecache
import traceback

CELL_FILENAME = "<cell>"    # a run's code; a notebook cell's is cell_filename(n)


def cell_filename(count):
    """The file name of a kernel's ``count``-th execution: tracebacks then name the cell of
    each frame, with that cell's own line numbers ("<cell [3]>", line 2)."""
    return f"<cell [{count}]>"


def is_cell_filename(name):
    return name == CELL_FILENAME or (name.startswith("<cell [") and name.endswith("]>"))


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
            [f for f in te.stack if is_cell_filename(f.filename)])
        for chained in (te.__cause__, te.__context__):
            if chained is not None:
                _user_frames_only(chained)
        te = None


def error_fields(exc, filename=CELL_FILENAME):
    """ename, evalue, traceback (text) and line (+ column for a SyntaxError) of ``exc``;
    ``line`` is in ``filename`` (the code that was run), where its last frame there is."""
    te = traceback.TracebackException.from_exception(exc)
    _user_frames_only(te)
    fields = {"ename": type(exc).__name__, "evalue": str(exc),
              "traceback": "".join(te.format()), "line": None}
    if isinstance(exc, SyntaxError):
        fields.update(evalue=exc.msg, line=exc.lineno, column=exc.offset)
    else:
        here = [f for f in te.stack if f.filename == filename]
        if here:
            fields["line"] = here[-1].lineno
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


def compile_cell(code, filename=CELL_FILENAME):
    """(body, last_expression) code objects; the last is None if the cell ends in a statement."""
    linecache.cache[filename] = (len(code), None, code.splitlines(True), filename)
    tree = ast.parse(code, filename, "exec")
    last = None
    if tree.body and isinstance(tree.body[-1], ast.Expr):
        last = compile(ast.Expression(tree.body.pop().value), filename, "eval")
    return compile(tree, filename, "exec"), last


def run_cell(code, namespace, filename=CELL_FILENAME):
    """Execute ``code`` in ``namespace``; return the final expression's value (or None).

    Raises CellError for anything the user's code raised (SyntaxError included), and lets
    SystemExit through so the caller can honour ``sys.exit(0)``.
    """
    try:
        body, last = compile_cell(code, filename)
        exec(body, namespace)
        return eval(last, namespace) if last is not None else None
    except SystemExit:
        raise
    except BaseException as exc:  # KeyboardInterrupt, MemoryError...: all the user's
        raise CellError(exc, error_fields(exc, filename)) from None
