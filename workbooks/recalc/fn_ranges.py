"""Functions over ranges: aggregates, SUMPRODUCT, the *IF(S) family, INDEX/MATCH and friends.

The rules are Microsoft's function reference:
- SUM, AVERAGE, MIN, MAX, PRODUCT, COUNT: "If an argument is an array or reference, only numbers
  in that array or reference are counted. Empty cells, logical values, or text in the array or
  reference are ignored"; logical values and text representations of numbers typed directly into
  the list of arguments are counted; an error in either is the result (COUNT skips errors).
- COUNTA counts every cell that is not empty; COUNTBLANK counts empty cells and "" texts.
- Criteria (COUNTIF, SUMIF(S), COUNTIFS, AVERAGEIF(S)): an operator (=, <>, <, >, <=, >=) and a
  value; a number criterion matches numbers by value (and, with = or no operator, text that reads
  as that number); text matches text without regard to case, with ``*``, ``?`` and ``~``
  wildcards; "" matches empty cells; "<>" matches every cell that is not empty.
- MATCH: type 0 exact (text without regard to case, wildcards allowed), 1 the largest value at
  most the lookup value in ascending data, -1 the smallest at least it in descending data.
- INDEX: see ``index``.
A range's empty tail (a whole column, or a box beyond the used cells) is counted, not walked.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from .arrays import Area, Arr
from .coerce import compare, text_to_number, to_bool, to_number
from .values import BLANK, DIV0, MISSING, NA, REF, VALUE, XlError, error

# --- aggregates -----------------------------------------------------------------------------------


def _numbers(args: tuple[Any, ...], skip_errors: bool = False) -> Iterator[tuple[float, int]] | XlError:
    """(number, times) for every number the aggregate reads, or the first error."""
    out: list[tuple[float, int]] = []
    for arg in args:
        if isinstance(arg, Area | Arr):
            arr = Arr.of(arg)
            for v in arr.values():
                if type(v) is float:
                    out.append((v, 1))
                elif isinstance(v, XlError) and not skip_errors:
                    return v
            count = arr.tail_count()
            if count:
                tail = arr.tail
                if type(tail) is float:
                    out.append((tail, count))
                elif isinstance(tail, XlError) and not skip_errors:
                    return tail
            continue
        if arg is MISSING or arg is BLANK:
            continue
        n = to_number(arg)
        if isinstance(n, XlError):
            if skip_errors:
                continue
            return n
        out.append((n, 1))
    return iter(out)


def SUM(*args: Any) -> Any:
    found = _numbers(args)
    if isinstance(found, XlError):
        return found
    total = 0.0
    for v, k in found:
        total += v * k
    return total


def PRODUCT(*args: Any) -> Any:
    found = _numbers(args)
    if isinstance(found, XlError):
        return found
    result, seen = 1.0, False
    for v, k in found:
        result *= v**k
        seen = True
    return result if seen else 0.0


def AVERAGE(*args: Any) -> Any:
    found = _numbers(args)
    if isinstance(found, XlError):
        return found
    total, n = 0.0, 0
    for v, k in found:
        total += v * k
        n += k
    return total / n if n else DIV0


def MIN(*args: Any) -> Any:
    found = _numbers(args)
    if isinstance(found, XlError):
        return found
    return min((v for v, _ in found), default=0.0)


def MAX(*args: Any) -> Any:
    found = _numbers(args)
    if isinstance(found, XlError):
        return found
    return max((v for v, _ in found), default=0.0)


def COUNT(*args: Any) -> float:
    total = 0
    for arg in args:
        if isinstance(arg, Area | Arr):
            arr = Arr.of(arg)
            total += sum(1 for v in arr.values() if type(v) is float)
            if type(arr.tail) is float:
                total += arr.tail_count()
        elif arg is not MISSING and type(to_number(arg)) is float and arg is not BLANK:
            total += 1
    return float(total)


def COUNTA(*args: Any) -> float:
    total = 0
    for arg in args:
        if isinstance(arg, Area | Arr):
            arr = Arr.of(arg)
            total += sum(1 for v in arr.values() if v is not BLANK)
            if arr.tail is not BLANK:
                total += arr.tail_count()
        elif arg is not MISSING:
            total += 1
    return float(total)


def COUNTBLANK(arg: Any) -> Any:
    arr = Arr.of(arg)
    blank = sum(1 for v in arr.values() if v is BLANK or v == "")
    if arr.tail is BLANK or arr.tail == "":
        blank += arr.tail_count()
    return float(blank)


def AND(*args: Any) -> Any:
    return _logical(args, all)


def OR(*args: Any) -> Any:
    return _logical(args, any)


def _logical(args: tuple[Any, ...], combine: Any) -> Any:
    seen: list[bool] = []
    for arg in args:
        if isinstance(arg, Area | Arr):
            arr = Arr.of(arg)
            values = list(arr.values())
            if arr.tail_count() and arr.tail is not BLANK:
                values.append(arr.tail)
            for v in values:
                if isinstance(v, XlError):
                    return v
                if type(v) is bool or type(v) is float:
                    seen.append(bool(v))
            continue
        if arg is MISSING:
            continue
        b = to_bool(arg)
        if isinstance(b, XlError):
            return b
        seen.append(b)
    return combine(seen) if seen else VALUE


def SUMPRODUCT(*args: Any) -> Any:
    arrays = [Arr.of(a) for a in args if a is not MISSING]
    if not arrays:
        return VALUE
    shape = (arrays[0].height, arrays[0].width)
    if any((a.height, a.width) != shape for a in arrays):
        return VALUE
    positions: set[tuple[int, int]] = set()
    for a in arrays:  # the cells that can differ from their array's tail
        if a.cells is not None:
            positions.update(a.cells)
        else:
            positions.update((i, j) for i, row in enumerate(a.rows or ()) for j in range(len(row)))
    total = 0.0
    for i, j in sorted(positions):
        product = 1.0
        for a in arrays:
            v = a.get(i, j)
            if isinstance(v, XlError):
                return v
            product *= v if type(v) is float else 0.0
        total += product
    rest = shape[0] * shape[1] - len(positions)
    if rest:
        product = 1.0
        for a in arrays:
            if isinstance(a.tail, XlError):
                return a.tail
            product *= a.tail if type(a.tail) is float else 0.0
        total += product * rest
    return total


# --- criteria ------------------------------------------------------------------------------------

_OPERATOR = re.compile(r"(<=|>=|<>|<|>|=)?(.*)", re.S)


def _wildcard(pattern: str) -> re.Pattern[str] | None:
    """A regex for an Excel wildcard pattern (``*``, ``?``, ``~`` escapes), or None without any."""
    if not any(ch in pattern for ch in "*?~"):
        return None
    out, i = [], 0
    while i < len(pattern):
        ch = pattern[i]
        if ch == "~" and i + 1 < len(pattern):
            out.append(re.escape(pattern[i + 1]))
            i += 2
            continue
        out.append(".*" if ch == "*" else "." if ch == "?" else re.escape(ch))
        i += 1
    return re.compile("".join(out), re.S | re.I)


class Equal:
    """The criterion "equal to" a number, a text without wildcards or a logical: a predicate, and
    a key into an array's index of its values (``equality_index``) for ranges read many times."""

    __slots__ = ("key", "test")

    def __init__(self, value: Any) -> None:
        self.key = _key(value)
        if type(value) is float:
            number = value
            self.test = lambda v: (
                (type(v) is float and compare(v, number) == 0)
                or (type(v) is str and text_to_number(v) == number)
            )
        elif type(value) is str:
            lower = value.lower()
            self.test = lambda v: type(v) is str and v.lower() == lower
        else:
            self.test = lambda v: v is value

    def __call__(self, v: Any) -> bool:
        return self.test(v)


def equality_index(arr: Arr) -> dict[Any, list[tuple[int, int]]]:
    """{key: positions} of an array's stored values: numbers (and text that reads as a number)
    by value at 15 digits, text by lower case, logicals."""
    index: dict[Any, list[tuple[int, int]]] = {}
    cells = (
        arr.cells.items()
        if arr.cells is not None
        else (((i, j), v) for i, row in enumerate(arr.rows or ()) for j, v in enumerate(row))
    )
    for pos, v in cells:
        key = _key(v)
        if key is None:
            continue
        index.setdefault(key, []).append(pos)
        if type(v) is str:
            number = text_to_number(v)
            if number is not None:
                index.setdefault(_key(number), []).append(pos)
    return index


def criterion(value: Any) -> Any:
    """A predicate on one cell for a criteria argument (Microsoft, "COUNTIF function")."""
    if isinstance(value, XlError):
        return lambda v: v is value
    if value is BLANK or value is MISSING:
        value = 0.0
    if type(value) in (bool, float):
        return Equal(value)
    op, operand = _OPERATOR.fullmatch(str(value)).groups()  # type: ignore[union-attr]
    op = op or "="
    if operand == "":
        if op == "=":
            return (lambda v: v is BLANK) if value == "=" else (lambda v: v is BLANK or v == "")
        if op == "<>":
            return lambda v: v is not BLANK and v != ""
        return lambda v: False
    if (operand.startswith("#") and error(operand) is not VALUE) or operand.upper() == "#VALUE!":
        code = error(operand)
        return (lambda v: v is code) if op == "=" else (lambda v: v is not code) if op == "<>" else None
    number = text_to_number(operand)
    if number is not None:
        return _number_test(op, number)
    if operand.upper() in ("TRUE", "FALSE"):
        flag = operand.upper() == "TRUE"
        return Equal(flag) if op == "=" else _ordered(op, flag, bool)
    pattern = _wildcard(operand) if op in ("=", "<>") else None
    if pattern is not None:
        hit = pattern.fullmatch
        if op == "=":
            return lambda v: type(v) is str and hit(v) is not None
        return lambda v: not (type(v) is str and hit(v) is not None)
    return Equal(operand) if op == "=" else _ordered(op, operand, str)


def _number_test(op: str, number: float) -> Any:
    if op == "=":
        return Equal(number)
    if op == "<>":
        return lambda v: (
            not (
                (type(v) is float and compare(v, number) == 0)
                or (type(v) is str and text_to_number(v) == number)
            )
        )
    return _ordered(op, number, float)


_TESTS = {
    "=": lambda c: c == 0,
    "<>": lambda c: c != 0,
    "<": lambda c: c < 0,
    ">": lambda c: c > 0,
    "<=": lambda c: c <= 0,
    ">=": lambda c: c >= 0,
}


def _ordered(op: str, operand: Any, kind: type) -> Any:
    test = _TESTS[op]
    if op == "<>":
        return lambda v: not (type(v) is kind and compare(v, operand) == 0)
    return lambda v: type(v) is kind and test(compare(v, operand))


def _conditions(pairs: tuple[Any, ...]) -> tuple[list[Arr], list[Any]] | XlError:
    if len(pairs) % 2 or not pairs:
        return VALUE
    ranges, tests = [], []
    for k in range(0, len(pairs), 2):
        crit = pairs[k + 1]
        if isinstance(crit, Area | Arr):
            crit = Arr.of(crit).first()
        test = criterion(crit)
        if test is None:
            return VALUE
        ranges.append(Arr.of(pairs[k]))
        tests.append(test)
    return ranges, tests


def _select(ranges: list[Arr], tests: list[Any]) -> tuple[list[tuple[int, int]], int] | XlError:
    """(stored positions where every range passes its test, number of tail cells that pass)."""
    shape = (ranges[0].height, ranges[0].width)
    if any((r.height, r.width) != shape for r in ranges):
        return VALUE
    if all(isinstance(t, Equal) and t.key is not None for t in tests):
        found: set[tuple[int, int]] | None = None
        for r, t in zip(ranges, tests, strict=True):
            if r.index is None:
                r.index = equality_index(r)
            hits = r.index.get(t.key, ())
            found = set(hits) if found is None else found.intersection(hits)
        return sorted(found or ()), 0
    keys: set[tuple[int, int]] = set()
    for r in ranges:
        if r.cells is not None:
            keys.update(r.cells)
        else:
            keys.update((i, j) for i, row in enumerate(r.rows or ()) for j in range(len(row)))
    positions = sorted(
        (i, j)
        for i, j in keys
        if i < shape[0] and j < shape[1] and all(t(r.get(i, j)) for r, t in zip(ranges, tests, strict=True))
    )
    tail = (
        shape[0] * shape[1] - len(keys) if all(t(r.tail) for r, t in zip(ranges, tests, strict=True)) else 0
    )
    return positions, tail


def COUNTIFS(*pairs: Any) -> Any:
    cond = _conditions(pairs)
    if isinstance(cond, XlError):
        return cond
    found = _select(*cond)  # type: ignore[misc]
    if isinstance(found, XlError):
        return found
    positions, tail = found  # type: ignore[misc]
    return float(len(positions) + tail)


def COUNTIF(rng: Any, crit: Any) -> Any:
    return COUNTIFS(rng, crit)


def _sum_over(target: Any, pairs: tuple[Any, ...], average: bool) -> Any:
    cond = _conditions(pairs)
    if isinstance(cond, XlError):
        return cond
    ranges, tests = cond  # type: ignore[misc]
    values = Arr.of(target)
    if (values.height, values.width) != (ranges[0].height, ranges[0].width):
        return VALUE
    found = _select(ranges, tests)
    if isinstance(found, XlError):
        return found
    positions, _tail = found  # type: ignore[misc]
    total, n = 0.0, 0
    for i, j in positions:
        v = values.get(i, j)
        if isinstance(v, XlError):
            return v
        if type(v) is float:
            total += v
            n += 1
    if average:
        return total / n if n else DIV0
    return total


def SUMIFS(target: Any, *pairs: Any) -> Any:
    return _sum_over(target, pairs, False)


def AVERAGEIFS(target: Any, *pairs: Any) -> Any:
    return _sum_over(target, pairs, True)


def _resized(rng: Any, target: Any) -> Any:
    """SUMIF's sum_range: the box of ``rng``'s shape starting at ``target``'s top-left cell."""
    if target is MISSING:
        return rng
    if isinstance(target, Area) and isinstance(rng, Area | Arr):
        shape = Arr.of(rng) if isinstance(rng, Arr) else rng
        h, w = shape.height, shape.width
        return Area(target.book, target.sheet, target.r1, target.c1, target.r1 + h - 1, target.c1 + w - 1)
    return target


def SUMIF(rng: Any, crit: Any, target: Any = MISSING) -> Any:
    return _sum_over(_resized(rng, target), (rng, crit), False)


def AVERAGEIF(rng: Any, crit: Any, target: Any = MISSING) -> Any:
    return _sum_over(_resized(rng, target), (rng, crit), True)


# --- lookup and reference ------------------------------------------------------------------------


def _whole(value: Any) -> Any:
    if type(value) is float:  # the common case: a row or column number from MATCH
        return int(value)
    if isinstance(value, Area | Arr):
        arr = Arr.of(value)
        if arr.size != 1:
            return VALUE
        value = arr.first()
    n = to_number(value)
    return n if isinstance(n, XlError) else int(n)


def index(array: Any, row_num: Any, col_num: Any = MISSING, area_num: Any = MISSING) -> Any:
    """Excel's INDEX: ``row_num`` 0 is the whole column and ``col_num`` 0 the whole row; one
    number on a one-row or one-column array indexes along it, on a 2-D array it selects the row;
    beyond the array is ``#REF!``, negative ``#VALUE!`` (Microsoft, "INDEX function"). A reference
    in gives a reference out, so ``INDEX(...):INDEX(...)`` spans cells."""
    if area_num is not MISSING and _whole(area_num) != 1:
        return REF
    row = 0 if row_num is MISSING else _whole(row_num)
    col = None if col_num is MISSING else _whole(col_num)
    for n in (row, col):
        if isinstance(n, XlError):
            return n
    if isinstance(array, Area):
        height, width = array.height, array.width
    else:
        array = Arr.of(array)
        height, width = array.height, array.width
    if col is None:
        if height == 1:
            row, col = 1, row
        elif width == 1:
            col = 1
        else:
            col = 0
    if row < 0 or col < 0:
        return VALUE
    if row > height or col > width:
        return REF
    r1, r2 = (1, height) if row == 0 else (row, row)
    c1, c2 = (1, width) if col == 0 else (col, col)
    if isinstance(array, Area):
        return array.sub(r1, c1, r2, c2)
    if r1 == r2 and c1 == c2:
        return array.get(r1 - 1, c1 - 1)
    return Arr([[array.get(i, j) for j in range(c1 - 1, c2)] for i in range(r1 - 1, r2)])


def _line(lookup_array: Any) -> list[Any] | None:
    arr = Arr.of(lookup_array)
    if arr.height != 1 and arr.width != 1:
        return None
    if arr.rows is not None:
        return [v for row in arr.rows for v in row]
    return arr.line()


def match(value: Any, lookup_array: Any, match_type: Any = MISSING) -> Any:
    if isinstance(value, Area | Arr):
        value = Arr.of(value).first()
    if isinstance(value, XlError):
        return value
    kind = 1 if match_type is MISSING else _whole(match_type)
    if isinstance(kind, XlError):
        return kind
    if value is BLANK:
        return NA
    if kind == 0:
        if (isinstance(lookup_array, Area) and type(value) is not str) or (
            type(value) is str and _wildcard(value) is None
        ):
            book = getattr(lookup_array, "book", None)
            if isinstance(lookup_array, Area) and book is not None:
                found = book.match_index(lookup_array)
                if found is None:
                    return NA
                return _indexed(found, value)
        line = _line(lookup_array)
        if line is None:
            return NA
        return _exact(line, value)
    line = _line(lookup_array)
    if line is None:
        return NA
    return _approximate(line, value, 1 if kind > 0 else -1)


def exact_index(line: list[Any]) -> dict[Any, int]:
    """{key: first 1-based position} for exact MATCH: text by lower case, numbers at 15 digits."""
    out: dict[Any, int] = {}
    for i, v in enumerate(line, 1):
        key = _key(v)
        if key is not None and key not in out:
            out[key] = i
    return out


def _key(v: Any) -> Any:
    kind = type(v)
    if kind is str:
        return ("s", v.lower())
    if kind is float:
        return ("n", float(f"{v:.15g}") if v else 0.0)
    if kind is bool:
        return ("b", v)
    return None


def _indexed(found: dict[Any, int], value: Any) -> Any:
    key = _key(value)
    pos = found.get(key) if key is not None else None
    return NA if pos is None else float(pos)


def _exact(line: list[Any], value: Any) -> Any:
    pattern = _wildcard(value) if type(value) is str else None
    for i, v in enumerate(line, 1):
        if pattern is not None:
            if type(v) is str and pattern.fullmatch(v):
                return float(i)
        elif type(v) is type(value) and compare(v, value) == 0:
            return float(i)
    return NA


def _approximate(line: list[Any], value: Any, direction: int) -> Any:
    best = None
    for i, v in enumerate(line, 1):
        if type(v) is not type(value):
            continue
        c = compare(v, value)
        if isinstance(c, XlError):
            continue
        if c == 0:
            return float(i)
        if (c < 0) == (direction > 0):
            best = i
        else:
            break
    return NA if best is None else float(best)


def ROWS(arg: Any) -> Any:
    return float(arg.height) if isinstance(arg, Area | Arr) else 1.0


def COLUMNS(arg: Any) -> Any:
    return float(arg.width) if isinstance(arg, Area | Arr) else 1.0


def ROW(cell: Area, ref: Any = MISSING) -> Any:
    target = cell if ref is MISSING else ref
    return float(target.r1) if isinstance(target, Area) else VALUE


def COLUMN(cell: Area, ref: Any = MISSING) -> Any:
    target = cell if ref is MISSING else ref
    return float(target.c1) if isinstance(target, Area) else VALUE


def implicit(cell: Area, ref: Any) -> Any:
    """``@ref``: the cell of ``ref`` in the formula's row (one column) or column (one row)."""
    if not isinstance(ref, Area):
        return Arr.of(ref).first() if isinstance(ref, Arr) else ref
    if ref.single:
        return ref.value()
    if ref.width == 1 and ref.r1 <= cell.r1 <= ref.r2:
        return ref.book.values[ref.sheet].get((cell.r1, ref.c1))
    if ref.height == 1 and ref.c1 <= cell.c1 <= ref.c2:
        return ref.book.values[ref.sheet].get((ref.r1, cell.c1))
    return VALUE


def span(a: Any, b: Any) -> Any:
    """The range operator ``a:b``: the box around two references on one sheet."""
    if not (isinstance(a, Area) and isinstance(b, Area)):
        return VALUE
    if a.sheet != b.sheet:
        return REF
    return Area(a.book, a.sheet, min(a.r1, b.r1), min(a.c1, b.c1), max(a.r2, b.r2), max(a.c2, b.c2))


def intersect(a: Any, b: Any) -> Any:
    """The intersection operator (a space): the cells two references share, ``#NULL!`` if none."""
    if not (isinstance(a, Area) and isinstance(b, Area)):
        return VALUE
    r1, c1, r2, c2 = max(a.r1, b.r1), max(a.c1, b.c1), min(a.r2, b.r2), min(a.c2, b.c2)
    if a.sheet != b.sheet or r1 > r2 or c1 > c2:
        return error("#NULL!")
    return Area(a.book, a.sheet, r1, c1, r2, c2)
