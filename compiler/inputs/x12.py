"""Claims from X12 837 files: professional (005010X222A1) and institutional (005010X223A2).

Parsing, loop structure and validation are pyx12's (the established HIPAA X12 parser and
validator): it splits the interchange into segments, walks them through the implementation
guide's map, and reports envelope faults (control numbers, counts), segment faults (a segment
the guide does not allow where it stands, a mandatory segment missing) and element faults (a
date that is no date, an amount that is no number). This module maps each 2300 claim loop to the
contract's claim (docs/FORMATS.md lists every field) and decides which claim a fault belongs to.

Records, in input order:
- one per 2300 loop (several per transaction set, several transaction sets and functional groups
  per interchange): the claim, or an error that starts with the claim's CLM segment, where the
  record starts, then names the segment of each fault, e.g. `segment 20 (CLM): segment 23 (DTP):
  Data element "Service Date" (DTP03) contains an invalid date (20241340)`; the error record
  keeps the claim id (CLM01);
- one error record per envelope segment that has a fault outside every claim (an SE count that is
  wrong, a GE that closes another group); the claims around it are still evaluated;
- one error record per functional group whose GS08 names a guide other than 837P or 837I, and
  one per claim (CLM) inside it, so that no claim disappears silently.

A fault belongs to the claim whose segments include it. pyx12 reports a mandatory segment as
missing when it reads the segment after the gap; such a fault belongs with what precedes that
segment (the line that lacks its DTP*472, not the next claim). The file's segments are numbered
from 1 (ISA is segment 1), as an X12 editor counts them.

What cannot be read at all ends the reading with an error record saying so: a first segment that
is not a 106-character ISA, an input that ends inside a claim (its claim id is named), or a fault
pyx12 cannot recover from.
"""

from __future__ import annotations

import collections
import decimal
import io
import pickle
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, TextIO

import pyx12.error_handler
import pyx12.errors
import pyx12.map_if
import pyx12.params
import pyx12.x12context

from compiler.inputs.records import Ordinal, Record

# Implementation guides (GS08) this reader maps, and the claim type each carries.
GUIDES = {"005010X222A1": "professional", "005010X223A2": "institutional"}
_ENVELOPE = frozenset({"ISA", "IEA", "GS", "GE", "ST", "SE"})
_DATE = re.compile(r"\d{8}")
_MAX_FAULTS = 5


class MapError(ValueError):
    """A claim loop that pyx12 accepted but the contract's claim cannot be made from."""

    def __init__(self, segment: int, seg_id: str, message: str) -> None:
        super().__init__(f"segment {segment} ({seg_id}): {message}")


@dataclass(frozen=True)
class _Fault:
    key: int  # the segment the fault belongs to
    seg_id: str  # the id of the segment the text names
    text: str  # "segment N (ID): message"


class _Maps:
    """pyx12's map module as its reader sees it, except that a map (an implementation guide, the
    envelope) is parsed from its XML once per process and each reader gets a copy of its own,
    unpickled (about ten times faster than parsing again; a map keeps counts while it is read, so
    readers never share one). Reading a file a transaction set at a time, in worker processes,
    loads the maps once per set."""

    def __init__(self, module: Any) -> None:
        self._module = module
        self._parsed: dict[tuple[str, str | None], bytes] = {}

    def load_map_file(self, map_file: str, param: Any, map_path: str | None = None) -> Any:
        key = (map_file, map_path)
        if key not in self._parsed:
            self._parsed[key] = pickle.dumps(self._module.load_map_file(map_file, param, map_path))
        return pickle.loads(self._parsed[key])

    def __getattr__(self, name: str) -> Any:
        return getattr(self._module, name)


pyx12.x12context.map_if = _Maps(pyx12.map_if)


def read_x12_records(stream: TextIO) -> Iterator[Record]:
    """Every claim of an X12 837 stream and every fault outside a claim, in input order."""
    return _Reader(stream).records()


_SEGMENT = re.compile(r"\bsegment (\d+)\b")


def read_part(text: str, first: int, segments: int) -> tuple[list[Record], bool]:
    """The records of one transaction set cut out of a file (`compiler.inputs.x12parts.Part`), with
    the segment numbers of the file; False when the part's reader saw a fault outside the
    transaction set (in its ISA or GS), or lost its way in the set so that it ended inside a
    claim: only a reader of the whole file places such faults right."""
    last = 2 + segments  # in the part, ISA is segment 1, GS 2, the transaction set 3 to `last`
    clean = True
    reader = _Reader(io.StringIO(text))

    def moved(number: int) -> int:
        nonlocal clean
        if not 3 <= number <= last:
            clean = False
        return number + first - 3

    records = []
    for record in reader.records():
        position = record.position
        if isinstance(position, Ordinal) and position.kind == "segment":
            position = Ordinal("segment", moved(position.number), position.label, position.within)
        else:
            clean = False
        error = None if record.error is None else _SEGMENT.sub(lambda m: f"segment {moved(int(m[1]))}", record.error)
        records.append(Record(record.index, position, record.value, error, record.claim_id))
    return records, clean and not reader.unfinished


class _Text:
    """The input for pyx12 without anything before the ISA (a byte order mark, blank lines),
    which its reader does not skip."""

    closed = False

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream
        self.head = ""
        while True:
            piece = stream.read(4096)
            self.head += piece
            stripped = self.head.lstrip("\ufeff \t\r\n")
            if stripped or not piece:
                self.head = stripped
                break

    def read(self, size: int = -1) -> str:
        if self.head:
            if size < 0:
                text, self.head = self.head + self.stream.read(), ""
                return text
            text, self.head = self.head[:size], self.head[size:]
            return text + (self.stream.read(size - len(text)) if len(text) < size else "")
        return self.stream.read(size)


class _Collector(pyx12.error_handler.errh_null):  # type: ignore[misc]
    """pyx12's error handler: keeps each fault with the segment it belongs to."""

    def __init__(self) -> None:
        super().__init__()
        self.faults: list[_Fault] = []
        self.recent: collections.deque[tuple[int, str]] = collections.deque(maxlen=16)
        self.current = (0, "")
        self.muted = False  # inside a functional group of a guide this reader does not map

    def seen(self, number: int, seg_id: str) -> None:
        self.current = (number, seg_id)
        self.recent.append(self.current)

    def _name(self, number: int) -> str:
        for seen, seg_id in reversed(self.recent):
            if seen == number:
                return seg_id
        return "?"

    def add(self, message: str, segment: int | None = None, before: bool = False) -> None:
        if self.muted:
            return
        number = segment if segment else self.current[0]
        seg_id = self._name(number)
        self.faults.append(_Fault(number - 1 if before else number, seg_id, f"segment {number} ({seg_id}): {message}"))

    # pyx12's interface
    def isa_error(self, err_cde: str, err_str: str) -> None:
        self.add(err_str)

    gs_error = st_error = isa_error

    def seg_error(self, err_cde: str, err_str: str, err_value: str | None = None,
                  src_line: int | None = None) -> None:
        missing = err_cde == "3" and "missing" in err_str
        if missing:
            self.add(f"{err_str} before this segment", before=True)
        else:
            self.add(err_str, src_line)

    def ele_error(self, err_cde: str, err_str: str, bad_value: str | None, refdes: str | None = None) -> None:
        self.add(err_str)

    def handle_errors(self, err_list: list[Any]) -> None:
        for _kind, _code, message, _value, src_line in err_list:
            self.add(message, src_line)


class _Segments:
    """pyx12's segment reader, seen through: tells the collector which segment is current and
    remembers the claims (CLM) it has passed, so that a claim the library never hands back (the
    input ends inside it) is still reported."""

    def __init__(self, src: Any, collector: _Collector) -> None:
        self._src = src
        self._collector = collector
        self.claims: list[tuple[int, str]] = []  # (segment, CLM01) not yet handed back

    def __iter__(self) -> Iterator[Any]:
        for segment in self._src:
            seg_id = segment.get_seg_id() or ""
            number = self._src.get_cur_line()
            self._collector.seen(number, seg_id)
            if seg_id == "CLM":
                self.claims.append((number, _value(segment, "CLM01") or ""))
            yield segment

    def __getattr__(self, name: str) -> Any:
        return getattr(self._src, name)


class _Guides:
    """pyx12's map index, seen through: a functional group of a guide this reader does not map
    is walked with the envelope map only, instead of stopping the whole file."""

    def __init__(self, index: Any, reader: _Reader) -> None:
        self._index = index
        self._reader = reader

    def get_filename(self, icvn: str | None, vriic: str | None, fic: str | None, tspc: str | None = None) -> Any:
        if icvn == "00501" and vriic in GUIDES and fic == "HC":
            self._reader.guide(vriic)
            return self._index.get_filename(icvn, vriic, fic, tspc)
        self._reader.unsupported(vriic)
        return "x12.control.00501.xml" if icvn == "00501" else "x12.control.00401.xml"

    def __getattr__(self, name: str) -> Any:
        return getattr(self._index, name)


class _Reader:
    def __init__(self, stream: TextIO) -> None:
        self.stream = stream
        self.collector = _Collector()
        self.unfinished = False  # the input ended inside a claim, or reading stopped before its end
        self.count = 0
        self.claim_type: str | None = None
        self.skipped_group: str | None = None  # GS08 of the group being skipped
        self.billing: str | None = None
        self.member: str | None = None

    # -- called back by _Guides while pyx12 reads a GS
    def guide(self, vriic: str) -> None:
        self.claim_type, self.skipped_group = GUIDES[vriic], None
        self.collector.muted = False

    def unsupported(self, vriic: str | None) -> None:
        self.collector.muted = False
        self.collector.add(f"GS08 {vriic!r} names no guide this reader maps (837P 005010X222A1, "
                           f"837I 005010X223A2); the claims of this functional group are not read")
        self.collector.muted = True
        self.claim_type, self.skipped_group = None, vriic or ""

    # -- records
    def _record(self, position: Ordinal, value: object = None, error: str | None = None,
                claim_id: str | None = None) -> Record:
        self.count += 1
        return Record(self.count - 1, position, value, error, claim_id)

    def records(self) -> Iterator[Record]:
        try:
            reader = pyx12.x12context.X12ContextReader(pyx12.params.params(), self.collector, _Text(self.stream))
        except pyx12.errors.X12Error as error:
            yield self._record(Ordinal("segment", 1, "ISA"),
                               error=f"segment 1 (ISA): {error}; an X12 file starts with a 106-character ISA segment")
            return
        segments = _Segments(reader.src, self.collector)
        reader.src = segments
        reader.map_index_if = _Guides(reader.map_index_if, self)
        nodes = reader.iter_segments("2300")
        while True:
            try:
                node = next(nodes, None)
            except Exception as error:  # a fault pyx12 cannot read past ends the input
                yield from self._stopped(segments, error)
                return
            if node is None:
                break
            if node.id == "2300":
                yield from self._claim(node, segments)
            else:
                yield from self._segment(node, segments)
        segments.cleanup()
        self.collector.handle_errors(segments.pop_errors())
        self.unfinished = bool(segments.claims)
        yield from self._unread(segments, "the input ends inside this claim")
        rest = segments.raw.buffer.strip()
        if rest:  # pyx12 stops at an empty segment (two terminators in a row) or at text without one
            self.unfinished = True
            self.collector.add(f"the text after this segment is not read (an empty segment, or no segment "
                               f"terminator): {rest[:40]!r}")
        yield from self._envelope(None)

    def _stopped(self, segments: _Segments, error: Exception) -> Iterator[Record]:
        self.unfinished = True
        number, seg_id = self.collector.current
        yield from self._envelope(number)
        yield from self._unread(segments, f"reading stopped at segment {number} ({seg_id}): {error}")
        yield self._record(Ordinal("segment", number, seg_id),
                           error=f"segment {number} ({seg_id}): cannot read on: {error}; the rest of the input "
                                 "is not read")

    def _unread(self, segments: _Segments, why: str) -> Iterator[Record]:
        for number, clm01 in segments.claims:
            yield self._record(Ordinal("segment", number, "CLM"), error=f"segment {number} (CLM): {why}",
                               claim_id=clm01 or None)
        segments.claims.clear()

    def _envelope(self, upto: int | None) -> Iterator[Record]:
        """Error records for the faults outside claims, up to segment `upto` (all when None)."""
        keep: list[_Fault] = []
        by_segment: dict[int, list[_Fault]] = {}
        for fault in self.collector.faults:
            if upto is None or fault.key <= upto:
                by_segment.setdefault(fault.key, []).append(fault)
            else:
                keep.append(fault)
        self.collector.faults = keep
        for number in sorted(by_segment):
            faults = by_segment[number]
            yield self._record(Ordinal("segment", number, faults[0].seg_id), error=_joined([f.text for f in faults]))

    def _segment(self, node: Any, segments: _Segments) -> Iterator[Record]:
        number = node.cur_line_number or self.collector.current[0]
        if self.skipped_group is not None and segments.claims:
            yield from self._envelope(segments.claims[0][0] - 1)
            for clm_number, clm01 in segments.claims:
                yield self._record(Ordinal("segment", clm_number, "CLM"), claim_id=clm01 or None,
                                   error=f"segment {clm_number} (CLM): the claim is in a functional group of "
                                         f"{self.skipped_group!r}, not 837P or 837I")
            segments.claims.clear()
        if node.id == "GE":
            self.collector.muted = False
            self.skipped_group = None
        yield from self._envelope(number)
        self._context(node)

    def _context(self, node: Any) -> None:
        """Keep what a claim inherits from the loops above it: the billing provider and the member."""
        loop = node.x12_map_node.parent.id
        seg = node.seg_data
        if (node.id == "HL" and loop == "2000A") or node.id == "ST":
            self.billing = self.member = None
        elif node.id == "HL" and loop == "2000B":
            self.member = None
        elif node.id == "NM1" and loop == "2010AA":
            self.billing = _npi(seg)
        elif node.id == "NM1" and loop == "2010BA":
            self.member = _value(seg, "NM109") or None

    def _claim(self, tree: Any, segments: _Segments) -> Iterator[Record]:
        first = tree.cur_line_number
        last = max(_numbers(tree))
        yield from self._envelope(first - 1)
        faults = [f for f in self.collector.faults if f.key <= last]
        self.collector.faults = [f for f in self.collector.faults if f.key > last]
        segments.claims = [(n, c) for n, c in segments.claims if n > last]
        clm = _first(tree, "CLM")
        claim_id = _value(clm.seg_data, "CLM01") or None if clm is not None else None
        position = Ordinal("segment", first, "CLM")
        if clm is None:
            faults.append(_Fault(first, "CLM", f"segment {first}: the claim loop has no CLM segment"))
        if faults:
            yield self._record(position, error=_placed(position, _joined([f.text for f in faults])),
                               claim_id=claim_id)
            return
        if self.claim_type is None:
            yield self._record(position, error=f"segment {first} (CLM): the claim is outside an 837P or 837I "
                                               "functional group", claim_id=claim_id)
            return
        try:
            claim = _Claim(tree, self.claim_type, self.billing, self.member).build()
        except MapError as error:
            yield self._record(position, error=_placed(position, str(error)), claim_id=claim_id)
            return
        yield self._record(position, claim, claim_id=claim_id)


def _value(segment: Any, ref: str) -> str | None:
    """An element's value by its reference designator (`CLM05-1`, for a segment whose id has
    three characters, as every segment read here has), or None when the segment has no such
    element. The id is not checked again: a damaged segment may sit where pyx12 expected it."""
    try:
        found = segment.get_value(ref[3:])
    except (pyx12.errors.EngineError, IndexError, ValueError):
        return None
    return None if found is None else str(found)


def _placed(claim: Ordinal, text: str) -> str:
    """A claim's error, starting where the claim starts (`segment 20 (CLM)`) when its first fault
    lies in another segment."""
    return text if text.startswith((f"segment {claim.number}:", f"segment {claim.number} (")) else f"{claim}: {text}"


def _joined(texts: list[str]) -> str:
    shown = "; ".join(texts[:_MAX_FAULTS])
    more = len(texts) - _MAX_FAULTS
    return shown if more <= 0 else f"{shown}; and {more} more {'fault' if more == 1 else 'faults'}"


# ---------------------------------------------------------------- the loop tree


def _numbers(node: Any) -> Iterator[int]:
    if node.type == "seg":
        yield node.cur_line_number
    for child in node.children if node.type == "loop" else ():
        yield from _numbers(child)


def _segments(loop: Any, seg_id: str) -> list[Any]:
    return [c for c in loop.children if c.type == "seg" and c.id == seg_id]


def _first(loop: Any, seg_id: str) -> Any:
    found = _segments(loop, seg_id)
    return found[0] if found else None


def _loops(loop: Any, loop_id: str) -> list[Any]:
    return [c for c in loop.children if c.type == "loop" and c.id == loop_id]


def _npi(seg: Any) -> str | None:
    """NM109 where NM108 says it is an NPI (XX)."""
    if _value(seg, "NM108") == "XX":
        return _value(seg, "NM109") or None
    return None


def _provider(loop: Any, loop_id: str, entity: str) -> str | None:
    """The NPI of the first `loop_id` name loop of entity `entity` (NM101) under `loop`."""
    for name in _loops(loop, loop_id):
        nm1 = _first(name, "NM1")
        if nm1 is not None and _value(nm1.seg_data, "NM101") == entity:
            return _npi(nm1.seg_data)
    return None


class _Claim:
    """One 2300 loop read into the contract's claim."""

    def __init__(self, tree: Any, claim_type: str, billing: str | None, member: str | None) -> None:
        self.tree, self.type, self.billing, self.member = tree, claim_type, billing, member
        self.professional = claim_type == "professional"

    def build(self) -> dict[str, Any]:
        clm = _first(self.tree, "CLM")
        claim: dict[str, Any] = {"id": self._required(clm, "CLM01", "the claim id"), "type": self.type}
        facility = self._required(clm, "CLM05-1", "the place of service" if self.professional else "the facility code")
        if self.professional:
            claim["pos"] = self._code(clm, "CLM05-1", facility, 2, "a 2-digit place of service")
        else:
            frequency = self._required(clm, "CLM05-3", "the claim frequency code")
            claim["bill_type"] = "0" + self._code(clm, "CLM05-1", facility, 2, "a 2-digit facility type code") + \
                self._code(clm, "CLM05-3", frequency, 1, "a 1-digit claim frequency code")
        if self.member:
            claim["member"] = self.member
        provider = self._claim_provider()
        if provider:
            claim["provider"] = provider
        statement = self._statement_date()
        lines = _loops(self.tree, "2400")
        if not lines:
            raise MapError(clm.cur_line_number, "CLM", "the claim has no service line (2400 loop)")
        claim["lines"] = [self._line(loop, statement) for loop in lines]
        return claim

    def _claim_provider(self) -> str | None:
        if self.professional:  # 2310B rendering, else the billing provider renders (837P guide)
            return _provider(self.tree, "2310B", "82") or self.billing
        # 2310D rendering, else the attending provider renders (837I guide)
        return _provider(self.tree, "2310D", "82") or _provider(self.tree, "2310A", "71")

    def _statement_date(self) -> str | None:
        """The statement period (DTP*434) when it is a single day: the date of 837I lines that give
        none, as the 837I guide has it."""
        for dtp in _segments(self.tree, "DTP"):
            if _value(dtp.seg_data, "DTP01") == "434":
                dates = self._dates(dtp)
                if dates and dates[0] == dates[-1]:
                    return dates[0]
        return None

    def _line(self, loop: Any, statement: str | None) -> dict[str, Any]:
        service = _first(loop, "SV1" if self.professional else "SV2")
        lx = _first(loop, "LX")
        where = lx if lx is not None else service
        if service is None:
            raise MapError(where.cur_line_number, where.id,
                           f"the service line has no {'SV1' if self.professional else 'SV2'} segment")
        p = "SV101" if self.professional else "SV202"
        qualifier = _value(service.seg_data, f"{p}-1") or ""
        if not self.professional and not qualifier:
            revenue = _value(service.seg_data, "SV201")
            raise MapError(service.cur_line_number, "SV2", f"the line has revenue code {revenue} but no procedure "
                           "code (SV202); the contract needs a CPT or HCPCS code on every line")
        if qualifier != "HC":
            raise MapError(service.cur_line_number, service.id,
                           f"{p}-1 is {qualifier!r}; only HC (CPT or HCPCS) codes can be edited")
        line: dict[str, Any] = {"code": self._required(service, f"{p}-2", "the procedure code")}
        modifiers = [m for m in (_value(service.seg_data, f"{p}-{i}") for i in range(3, 7)) if m]
        if modifiers:
            line["modifiers"] = modifiers
        description = _value(service.seg_data, f"{p}-7")
        if description:
            line["description"] = description
        line["date"] = self._line_date(loop, where, statement)
        charge = _value(service.seg_data, "SV102" if self.professional else "SV203")
        if charge:
            line["charge"] = self._number(service, "SV102" if self.professional else "SV203", charge)
        units_at = "SV104" if self.professional else "SV205"
        units = _value(service.seg_data, units_at)
        if units:
            line["units"] = self._number(service, units_at, units)
        if self.professional:
            pos = _value(service.seg_data, "SV105")
            if pos:
                line["pos"] = self._code(service, "SV105", pos, 2, "a 2-digit place of service")
        drug = self._drug(loop)
        if drug:
            line["drug"] = drug
        provider = _provider(loop, "2420A" if self.professional else "2420C", "82")
        if provider:
            line["provider"] = provider
        return line

    def _line_date(self, loop: Any, where: Any, statement: str | None) -> str:
        for dtp in _segments(loop, "DTP"):
            if _value(dtp.seg_data, "DTP01") == "472":
                return self._dates(dtp)[0]  # RD8: the first day of the range
        if not self.professional and statement is not None:
            return statement
        raise MapError(where.cur_line_number, where.id, "the service line has no service date (DTP*472)"
                       + ("" if self.professional else " and the statement period (DTP*434) is not a single day"))

    def _dates(self, dtp: Any) -> list[str]:
        qualifier, text = _value(dtp.seg_data, "DTP02"), _value(dtp.seg_data, "DTP03") or ""
        parts = [text] if qualifier == "D8" else text.split("-") if qualifier == "RD8" else []
        if not parts or len(parts) != (1 if qualifier == "D8" else 2) or not all(_DATE.fullmatch(p) for p in parts):
            raise MapError(dtp.cur_line_number, "DTP", f"{qualifier}*{text} is not a D8 date or an RD8 date range")
        return [f"{p[:4]}-{p[4:6]}-{p[6:]}" for p in parts]

    def _drug(self, loop: Any) -> str | None:
        for drug in _loops(loop, "2410"):
            lin = _first(drug, "LIN")
            if lin is not None and _value(lin.seg_data, "LIN02") == "N4":
                return _value(lin.seg_data, "LIN03") or None
        return None

    @staticmethod
    def _required(seg: Any, ref: str, what: str) -> str:
        value = _value(seg.seg_data, ref)
        if not value:
            raise MapError(seg.cur_line_number, seg.id, f"{ref} ({what}) is empty")
        return str(value)

    @staticmethod
    def _code(seg: Any, ref: str, value: str, digits: int, what: str) -> str:
        if not (len(value) == digits and value.isdigit()):
            raise MapError(seg.cur_line_number, seg.id, f"{ref} is {value!r}, not {what}")
        return value

    @staticmethod
    def _number(seg: Any, ref: str, text: str) -> int | float:
        try:
            number = decimal.Decimal(text)
        except decimal.InvalidOperation:
            raise MapError(seg.cur_line_number, seg.id, f"{ref} is {text!r}, not a number") from None
        if not number.is_finite():
            raise MapError(seg.cur_line_number, seg.id, f"{ref} is {text!r}, not a number")
        return int(number) if number == number.to_integral_value() else float(number)
