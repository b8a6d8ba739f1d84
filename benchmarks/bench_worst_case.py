"""Issue 9, target 5: redaction time grows linearly, whatever the input.

    .venv/bin/python benchmarks/bench_worst_case.py [--repeat N] [--only NAME] [--check]

Each crafted input is a pattern repeated to a given size: long runs of the
characters every rule anchors on (``a=``, ``:``, ``@``, ``.``, ``//``,
quotes, spaces, digits) and each rule's own near-misses (an unclosed quoted
value after a sensitive key, a URL that never reaches its host, dotted names
that never end in a domain, a PEM armour with no body...). For each input it
prints t(200 KB) / t(10 KB) -- the baseline is the same input at 10 KB, in
the same run; linear growth gives about 20, and the target is <= 25 -- and
the time for 1 MB (target <= 100 ms). Times are medians of ``--repeat``
runs of this process's CPU time (``process_time``: on a shared machine the
wall clock also counts waiting for a core).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks._common import machine, verdict

TARGET_GROWTH = 25.0
TARGET_MB_SECONDS = 0.100


def _inputs() -> dict[str, str]:
    """Name -> the unit repeated to build the input."""
    return {
        "a=": "a=",
        "colons": ":",
        "at signs": "@",
        "dots": ".",
        "double slashes": "//",
        "single quotes": "'",
        "double quotes": '"',
        "spaces": " ",
        "digits": "7",
        "letters": "x",
        "key no value": "password=",
        "key open quote": "password='",
        "json key": '"password": "',
        "quoted key chain": "'token': '",
        "url no host": "postgres://u:p@",
        "url scheme only": "redis://",
        "url at chain": "a@b@",
        "dotted no tld": "a.b.",
        "dotted internal": "x-1.corp.",
        "ipv4 near miss": "10.0.0.",
        "ipv6 near miss": "fe80::1:",
        "ipv6 colons": "::",
        "host port": "h-1:5",
        "driver word": 'host "',
        "driver word no quote": "server at ",
        "user at host": "'u'@'",
        "email near miss": "a.b@c.",
        "home path": "/home/",
        "tilde user": "~a/",
        "tildes": "~",
        "pytest base": "pytest-of-a",
        "windows home": "C:\\Users\\",
        "unc": "\\\\",
        "pem armour": "-----BEGIN RSA PRIVATE KEY-----\n",
        "token run": "Ab3dE5gH7jK9mN1pQ3sT",
        "vendor prefix": "ghp_",
        "jwt prefix": "eyJ",
        "bearer": "Bearer ",
        "flag": "--password ",
        "libpq": "host=h port=5 password ",
        "odbc": "Server=tcp:h,1;",
        "ellipsis": "...",
        "backslash n": "\\n",
        "dc=": "dc=x,",
        "ezconnect": "a/b@",
        "client options": "mysql -u -p",
        "client names": "psql ",
        "client argv": "'psql', '-h', '",
        "client one line": "-P 1 ",
        "credential call": "login('a', ",
        "sql parameters": "[parameters: (",
        "key value tuples": "('password', '",
        "tuple chain": "('a', ('b', ",
        "closed pairs": "('password', 'ab'), ",
        "sql statement": "[SQL: UPDATE t SET password = ? WHERE a = ?] [parameters: ('x', ",
        "sql rows": "[SQL: INSERT INTO t (password) VALUES (?)] [parameters: [('x'), (",
        "call no close": "BasicAuth('",
        "pydantic input": "api_key\n  x [type=t, input_value='",
        "pydantic cut": "input_value={'a': 'b...rd': '",
        "interpolation": "found: '%",
        "unparsed": "Failed to parse: 'a:",
        "quoted target": "'h:1/s",
        "smtp reply": "421 4.3.2 h ",
        "webhook path": "http://h/hooks/",
        "display name": "Ab Cd <a@b.io>",
        "escaped bytes": "\\x00a",
        "ssh public key": "AAAAB3NzaC1yc2E/",
        "fingerprint": "SHA256:",
        "enum member": "<SpanKind.INTERNAL: 6>",
        "mixed": "password='x' host=h-1.corp.internal:5432 u@h.io 10.0.0.1 ",
    }


def _build(unit: str, size: int) -> str:
    return (unit * (size // len(unit) + 1))[:size]


def _median_seconds(work: Callable[[], object], repeat: int) -> float:
    samples = []
    for _ in range(repeat):
        start = time.process_time()
        work()
        samples.append(time.process_time() - start)
    return statistics.median(samples)


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and print its figures."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeat", type=int, default=5, help="runs per size (default 5)")
    parser.add_argument("--only", help="only the inputs whose name contains this")
    parser.add_argument("--check", action="store_true", help="exit 1 if a target is missed")
    args = parser.parse_args(argv)

    from crashreport.redact import redact_text

    print(f"machine: {machine()}")
    print(f"{'input':22s} {'t(10KB)':>10s} {'t(200KB)':>10s} {'growth':>7s} {'t(1MB)':>10s}")
    ok = True
    worst_growth, worst_mb = 0.0, 0.0
    for name, unit in _inputs().items():
        if args.only and args.only not in name:
            continue
        timings = {}
        for size in (10_000, 200_000, 1_000_000):
            text = _build(unit, size)
            redact_text(text, environ={}, local=False)  # warm
            runs = args.repeat if size < 1_000_000 else max(3, args.repeat // 2)
            timings[size] = _median_seconds(
                lambda text=text: redact_text(text, environ={}, local=False), runs
            )
        growth = timings[200_000] / max(timings[10_000], 1e-9)
        mb = timings[1_000_000]
        worst_growth, worst_mb = max(worst_growth, growth), max(worst_mb, mb)
        fine = growth <= TARGET_GROWTH and mb <= TARGET_MB_SECONDS
        ok = ok and fine
        print(
            f"{name:22s} {timings[10_000] * 1e3:8.2f}ms {timings[200_000] * 1e3:8.2f}ms "
            f"{growth:7.1f} {mb * 1e3:8.1f}ms{'' if fine else '  <-- MISSED'}"
        )
    print(
        f"worst growth t(200KB)/t(10KB) = {worst_growth:.1f} (target <= {TARGET_GROWTH:.0f}), "
        f"worst t(1MB) = {worst_mb * 1e3:.1f} ms (target <= {TARGET_MB_SECONDS * 1e3:.0f} ms): "
        f"{verdict(ok)}"
    )
    return 0 if ok or not args.check else 1


if __name__ == "__main__":
    sys.exit(main())
