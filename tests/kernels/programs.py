# SPDX-License-Identifier: Apache-2.0
"""guest/programs.list, read once for the image (which binaries to copy)
and for verify.py (what each line must show)."""
from dataclasses import dataclass
from pathlib import Path

PROGRAMS_LIST = Path(__file__).resolve().parent / "guest" / "programs.list"


@dataclass(frozen=True)
class Program:
    name: str
    order: str       # first: exporter ready before it starts; late: after
    flags: tuple     # extra exporter flags (PID: the program's pid)
    command: tuple   # binary name and arguments (LEDGER: its ledger file)

    @property
    def binary(self):
        return self.command[0]


def read_programs(path=PROGRAMS_LIST):
    programs = []
    for n, line in enumerate(Path(path).read_text().splitlines(), 1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        fields = [f.strip() for f in line.split("|")]
        if len(fields) != 4 or not fields[0] or fields[1] not in ("first", "late") or not fields[3]:
            raise SystemExit("%s:%d: want 'NAME | first|late | FLAGS | PROGRAM ARGS', got %r" % (path, n, line))
        programs.append(Program(fields[0], fields[1], tuple(fields[2].split()), tuple(fields[3].split())))
    names = [p.name for p in programs]
    if len(set(names)) != len(names):
        raise SystemExit("%s: a program name is given twice" % path)
    return programs
