"""Mutants of the shared machinery: each deliberately broken copy must fail the unit tests named beside it.

Copies the committed tree (``git archive HEAD``) to a temporary folder, applies one mutation at a
time there (the checkout is never touched), runs the tests and prints KILLED or SURVIVED:

    .venv/bin/python scripts/mutants.py            # all of them, about a minute
    .venv/bin/python scripts/mutants.py 3 14       # only mutants 3 and 14

Exits 1 if any mutant survives.
"""
from __future__ import annotations

import subprocess
import sys
import tarfile
import tempfile
from io import BytesIO
from pathlib import Path

CHECKOUT = Path(__file__).resolve().parents[1]

#: (file, the code, its broken copy, the tests that must fail, what the mutation breaks)
MUTATIONS: list[tuple[str, str, str, str, str]] = [
    ('emulator/clock.py',  # frozen clock follows real time
     '        if frozen is not None:\n'
     '            return frozen',
     '        if frozen is not None:\n'
     '            return datetime.now(timezone.utc)',
     'tests/test_clock.py', 'frozen clock follows real time'),
    ('emulator/clock.py',  # offset ignored
     'return datetime.now(timezone.utc) + self.offset',
     'return datetime.now(timezone.utc)',
     'tests/test_clock.py', 'offset ignored'),
    ('emulator/clock.py',  # freeze keeps the offset
     '            self.frozen_at = instant.astimezone(timezone.utc)\n'
     '            self.offset = timedelta(0)',
     '            self.frozen_at = instant.astimezone(timezone.utc)',
     'tests/test_clock.py', 'freeze keeps the offset'),
    ('emulator/journal.py',  # entry cap off by one
     'while len(self._entries) > self.cap:\n'
     '                self._drop(self._entries[0])\n'
     '            if self.budget is not None:\n'
     '                self.budget.charge(slot)\n'
     '        return entry',
     'while len(self._entries) > self.cap + 1:\n'
     '                self._drop(self._entries[0])\n'
     '            if self.budget is not None:\n'
     '                self.budget.charge(slot)\n'
     '        return entry',
     'tests/test_journal.py', 'entry cap off by one'),
    ('emulator/journal.py',  # since_id inclusive
     '"since_id": lambda entry, wanted: entry["id"] > wanted,',
     '"since_id": lambda entry, wanted: entry["id"] >= wanted,',
     'tests/test_journal.py', 'since_id inclusive'),
    ('emulator/journal.py',  # limit keeps the oldest
     'return matched[-limit:] if limit else []',
     'return matched[:limit] if limit else []',
     'tests/test_journal.py', 'limit keeps the oldest'),
    ('emulator/journal.py',  # budget keeps one too many
     '        while self.used > self.max_bytes and len(self._ledger) > 1:',
     '        while self.used > self.max_bytes and len(self._ledger) > 2:',
     'tests/test_journal.py', 'budget keeps one too many'),
    ('emulator/journal.py',  # budget drop not counted
     '            oldest.journal.dropped += 1\n',
     '',
     'tests/test_journal.py', 'budget drop not counted'),
    ('emulator/journal.py',  # cut body unmarked
     '            body += truncation_marker(len(self.body), self.truncated["body"])',
     '            pass',
     'tests/test_journal.py', 'cut body unmarked'),
    ('emulator/store.py',  # pins ignored
     'victim = next((n for n in self._tenants if n != DEFAULT_TENANT and n not in self._pinned), None)',
     'victim = next((n for n in self._tenants if n != DEFAULT_TENANT), None)',
     'tests/test_store.py', 'pins ignored'),
    ('emulator/store.py',  # LRU becomes FIFO
     '                self._tenants.move_to_end(name)\n'
     '                if trusted:',
     '                if trusted:',
     'tests/test_store.py', 'LRU becomes FIFO'),
    ('emulator/store.py',  # default tenant evictable
     'if n != DEFAULT_TENANT and n not in self._pinned',
     'if n not in self._pinned',
     'tests/test_store.py', 'default tenant evictable'),
    ('emulator/tenancy.py',  # mount point lost
     '            environ["SCRIPT_NAME"] = f"{environ.get(\'SCRIPT_NAME\', \'\')}{PREFIX}{name}"',
     '            environ["SCRIPT_NAME"] = f"{PREFIX}{name}"',
     'tests/test_tenancy.py', 'mount point lost'),
    ('emulator/tenancy.py',  # header wins over prefix
     '            environ["HTTP_X_EMULATOR_TENANT"] = name',
     '            environ.setdefault("HTTP_X_EMULATOR_TENANT", name)',
     'tests/test_tenancy.py', 'header wins over prefix'),
    ('emulator/faults.py',  # after off by one
     '                if rule.seen <= rule.after:',
     '                if rule.seen < rule.after:',
     'tests/test_fault_rules.py', 'after off by one'),
    ('emulator/faults.py',  # probability boundary
     'if rule.probability < 1.0 and draw() >= rule.probability:',
     'if rule.probability < 1.0 and draw() > rule.probability:',
     'tests/test_fault_rules.py', 'probability boundary'),
    ('emulator/faults.py',  # until inclusive
     '(self.until is not None and now >= self.until)',
     '(self.until is not None and now > self.until)',
     'tests/test_fault_rules.py', 'until inclusive'),
    ('emulator/faults.py',  # absent header matches
     '            if got is None or not fnmatch.fnmatchcase(got, value):',
     '            if got is not None and not fnmatch.fnmatchcase(got, value):',
     'tests/test_fault_rules.py', 'absent header matches'),
    ('emulator/pipeline.py',  # draws not from the seed
     'tenant.random("faults").random',
     "__import__('random').random",
     'tests/test_fault_rules.py', 'draws not from the seed'),
    ('emulator/transport.py',  # hang not clamped
     'return TransportAction("hang", delay_ms=min(action["ms"], max_ms))',
     'return TransportAction("hang", delay_ms=action["ms"])',
     'tests/test_transport.py', 'hang not clamped'),
    ('emulator/transport.py',  # dribble ignores stop
     '        if stopping.wait(len(piece) / rate):\n'
     '            return',
     '        stopping.wait(len(piece) / rate)',
     'tests/test_transport.py', 'dribble ignores stop'),
]


def main(only: list[str]) -> int:
    archive = subprocess.run(["git", "archive", "HEAD"], cwd=CHECKOUT, capture_output=True, check=True).stdout
    survived = 0
    with tempfile.TemporaryDirectory(prefix="mutants-") as tmp:
        root = Path(tmp)
        with tarfile.open(fileobj=BytesIO(archive)) as tar:
            tar.extractall(root, filter="data")
        for i, (rel, old, new, tests, label) in enumerate(MUTATIONS):
            if only and str(i) not in only:
                continue
            path = root / rel
            original = path.read_text()
            if original.count(old) != 1:
                print(f"{i:2d} STALE     {rel}: {label} (the code to break is no longer there once)")
                survived += 1
                continue
            path.write_text(original.replace(old, new))
            try:
                run = subprocess.run([sys.executable, "-m", "pytest", tests, "-q", "-x", "-p", "no:randomly"],
                                     cwd=root, capture_output=True, text=True, timeout=600)
            finally:
                path.write_text(original)
            failed = next((line.split(" - ")[0][7:] for line in run.stdout.splitlines()
                           if line.startswith("FAILED")), "")
            survived += run.returncode == 0
            print(f"{i:2d} {'KILLED  ' if run.returncode else 'SURVIVED'}  {rel}: {label}  {failed}")
    return 1 if survived else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
