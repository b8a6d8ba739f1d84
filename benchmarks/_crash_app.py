"""The crashing program ``bench_crash.py`` runs, one fresh process per measurement.

    python benchmarks/_crash_app.py write-layers DIR
    BENCH_LAYERS=DIR python benchmarks/_crash_app.py MODE

The crash's frames are generated functions, one per frame (``write-layers``
writes them, ``bench_crash.py`` does it in its temporary directory), so no
frame repeats: nothing is collapsed as recursion, Python prints every frame,
and every source line is real.

Modes:

``redacted``
    Target 3. A ~20 KB crash (a 2.5 KB message, 55 frames, locals) reaches
    the real ``sys.excepthook`` of ``crashreport.install(capture_locals=True,
    dry_run=True)``. Stamps are taken from outside crashreport's code: a
    wrapper around its hook (entry), one around the hook it chains to
    (Python's own traceback printed), and a meta-path finder that times the
    hook's lazy imports and wraps ``capture`` and ``redact`` as their modules
    are executed. After the hook, the baseline -- ``traceback.format_exception``
    of the same exception, and ``TracebackException`` with ``capture_locals``
    -- is timed in the same process. One JSON line on stdout.
``prompt`` / ``prompt-baseline``
    Target 4. A 200-frame crash; ``BENCH-RAISE <monotonic>`` is printed just
    before the raise. ``prompt`` installs crashreport with an endpoint (the
    parent declines at the prompt) and prints ``BENCH-RESULT`` with the same
    stamps as ``redacted`` after the hook; ``prompt-baseline`` does not
    install it.
``prompt-alone``
    Target 4's second baseline: no crash and no crashreport; ``BENCH-RAISE``
    is stamped, then questionary is imported and the same select is asked.
``bounded-deep`` / ``bounded-wide`` / ``bounded-chain``
    Target 6, with ``capture_locals`` and ``dry_run`` (the payload's size is
    the ``-- N bytes`` line crashreport prints): a distinct 100 KB local in
    each of 300 frames and a 100 KB message; 50 locals of about 100 KB (str,
    bytes, list, dict) in each of 300 frames; a chain of 20 exceptions, each
    with a 100 KB message, raised 150 frames deep with a 100 KB local in
    every frame. The same stamps as ``redacted`` (Python's own print, then
    crashreport's part to the end of the dry run). One JSON line on stdout.

Only ``sys``, ``os`` and ``time`` are imported before the hook runs, so every
module crashreport needs is still to be imported when the crash arrives, as
in a real program. The raw crash data never leaves this process: only
timings and sizes are printed.
"""

from __future__ import annotations

import os
import sys
import time

ENDPOINT = "http://127.0.0.1:9/v1/reports"  # never used: the prompt is declined

STAMPS: dict[str, float] = {}


class BenchError(Exception):
    """The crash."""


def message(size: int) -> str:
    """A database driver's message, with hosts, addresses and credentials, ~``size`` chars."""
    lines = []
    n = 0
    while sum(len(line) + 1 for line in lines) < size:
        lines.append(
            f'connection {n} to server at "db-{n}.prod.internal.example.com" (10.20.{n}.40), '
            f"port {5432 + n} failed: FATAL:  password authentication failed for user "
            f'"svc_billing_{n}" (dsn=postgresql://svc_billing_{n}:Hunter{n}-pw@10.20.{n}.40'
            f":{5432 + n}/billing?sslmode=require)"
        )
        n += 1
    return "\n".join(lines)[:size]


# The crash's frames: distinct functions, one per frame, generated into a
# module of their own (written by ``bench_crash.py``, or by the
# ``write-layers`` mode), so that no frame repeats: nothing is collapsed as
# recursion, Python prints every frame, and every source line is real.
STEPS = 200  # step_0 ... step_199: realistic locals, four kinds in turn
HEAVY = 300  # heavy_0 ... and wide_0 ...: 100 KB locals
LAYERS = "bench_steps"  # bench_steps_0 ... bench_steps_9
PER_MODULE = 20
HEAVY_LAYERS = "bench_heavy"

_STEP_BODIES = (
    """    settings = {{"host": f"db-{{depth}}.internal.example.com", "port": 5432 + depth}}
    url = f"postgresql://svc_billing:pw-{{depth}}@10.0.{{depth % 250}}.7:5432/billing"
    rows = list(range(depth, depth + 22))
    return {call}(settings, url, rows)
""",
    """    query = f"SELECT id, email, balance FROM accounts WHERE region = 'eu-{{depth}}'"
    params = ("eu-west", depth, f"alice{{depth}}@example.com", 12.5 * depth)
    attempt = f"attempt {{depth}} of 200 against replica {{depth % 3}}"
    return {call}(query, params, attempt)
""",
    """    headers = {{"Accept": "application/json", "X-Request-Id": f"req-{{depth:08d}}"}}
    path = f"/home/alice/projects/billing/src/billing/jobs/job_{{depth}}.py"
    flags = [depth % 2 == 0, depth % 3 == 0, "dry" if depth % 7 else "wet"]
    return {call}(headers, path, flags)
""",
    """    batch = [f"invoice-{{depth}}-{{i}}" for i in range(6)]
    timeout = 2.5 + depth / 10
    endpoint = f"https://api.partner-{{depth}}.example.net:8443/v2/settle?batch={{depth}}"
    return {call}(batch, timeout, endpoint)
""",
)


def layers_source() -> dict[str, str]:
    """The generated modules' texts, by module name. The steps are spread
    over modules of 20, as a real stack spans many files: Python's own
    traceback printer reads a file from its top for every frame it shows, and
    one 1400-line file would make that the slowest part of every figure."""
    head = '"""Generated by benchmarks/_crash_app.py: one distinct function per frame."""\n\n'
    final = "FINAL = None  # what the innermost frame calls; set by the crashing program\n\n"
    modules = {}
    for k in range(STEPS // PER_MODULE):
        first, after = k * PER_MODULE, (k + 1) * PER_MODULE
        steps = [head]
        if after < STEPS:
            steps.append(f"from {LAYERS}_{k + 1} import step_{after}\n\n")
        steps.append(final)
        for i in range(first, after):
            body = _STEP_BODIES[i % 4].format(call="FINAL")
            if i + 1 < STEPS:  # the locals are made in every frame; only the last one uses them
                last = body.rpartition("    return ")[2]
                body = body.rpartition("    return ")[0] + (
                    f"    return step_{i + 1}(depth + 1, stop) if depth + 1 < stop else {last}"
                )
            steps.append(f"\ndef step_{i}(depth, stop):\n{body}\n")
        modules[f"{LAYERS}_{k}"] = "".join(steps)
    heavy = [head, final]
    for i in range(HEAVY):
        call = f"heavy_{i + 1}(blob, distinct)" if i + 1 < HEAVY else "FINAL()"
        heavy.append(
            f"\ndef heavy_{i}(blob, distinct):\n"
            f"    local_{i} = blob + '{i}' if distinct else blob  # 100 KB\n"
            f"    return {call}\n\n"
        )
    for i in range(HEAVY):
        call = f"wide_{i + 1}(big)" if i + 1 < HEAVY else "FINAL()"
        assignments = "".join(f"    v{n} = big[{n % 4}]\n" for n in range(50))
        heavy.append(f"\ndef wide_{i}(big):\n{assignments}    return {call}\n\n")
    return {**modules, HEAVY_LAYERS: "".join(heavy)}


def write_layers(directory: str) -> list[str]:
    """Write the generated modules into ``directory``; their paths."""
    paths = []
    for name, text in layers_source().items():
        paths.append(os.path.join(directory, f"{name}.py"))
        with open(paths[-1], "w", encoding="utf-8") as file:
            file.write(text)
    return paths


def layers(name: str = f"{LAYERS}_0", final: object = None) -> object:
    """A generated module, from the directory named by ``BENCH_LAYERS``; ``final``
    becomes what the innermost frame calls, in every generated module."""
    directory = os.environ.get("BENCH_LAYERS")
    if not directory or not os.path.exists(os.path.join(directory, f"{name}.py")):
        sys.exit(f"set BENCH_LAYERS to a directory, and run: {sys.argv[0]} write-layers DIR")
    if directory not in sys.path:
        sys.path.insert(0, directory)
    module = __import__(name)
    for loaded in list(sys.modules.values()):
        if getattr(loaded, "__name__", "").startswith((f"{LAYERS}_", HEAVY_LAYERS)):
            loaded.FINAL = final
    return module


# What the innermost frame raises, and what it does just before (set by the mode).
CRASH = {"message": "", "before": None}


def raise_(*context: object) -> None:
    before = CRASH["before"]
    if callable(before):
        before()
    raise BenchError(CRASH["message"])


def stamp(name: str) -> None:
    # CLOCK_MONOTONIC: the same clock in the parent, which detects the prompt
    STAMPS.setdefault(name, time.monotonic())


class Watch:
    """A meta-path finder that times some lazy imports of the hook and wraps
    ``capture`` and ``redact`` as their modules are executed, before
    ``crashreport.handle`` binds them. A plain class: the ``importlib.abc``
    base would preload ``typing`` and flatter the figures."""

    TIMED = ("crashreport.capture", "crashreport.handle", "questionary", "prompt_toolkit", "httpx")
    WRAPPED = (("crashreport.capture", "capture"), ("crashreport.redact", "redact"))

    def __init__(self) -> None:
        self.wrap = dict(self.WRAPPED)
        self.busy = False
        self.kept: dict[str, object] = {}
        self.errors: dict[str, str] = {}

    def find_spec(self, name: str, path: object = None, target: object = None) -> object:
        if self.busy or (name not in self.TIMED and name not in self.wrap):
            return None
        if name in self.TIMED:
            stamp(f"{name}_import_start")
        self.busy = True
        try:
            for finder in sys.meta_path:
                find = getattr(finder, "find_spec", None)
                spec = find(name, path, target) if finder is not self and find else None
                if spec is not None:
                    break
            else:
                return None
        finally:
            self.busy = False
        loader = spec.loader
        run = loader.exec_module

        def exec_module(module: object) -> None:
            run(module)
            if name in self.TIMED:
                stamp(f"{name}_import_end")
            if name in self.wrap:
                setattr(module, self.wrap[name], self.timed(getattr(module, self.wrap[name])))

        loader.exec_module = exec_module
        return spec

    def timed(self, func: object) -> object:
        label = func.__name__

        def wrapper(*args: object, **kwargs: object) -> object:
            stamp(f"{label}_start")
            try:
                result = func(*args, **kwargs)
            except Exception as exc:  # recorded, then crashreport handles it as usual
                self.errors[label] = f"{type(exc).__name__}: {str(exc)[:300]}"
                raise
            stamp(f"{label}_end")
            self.kept.setdefault(label, result)
            return result

        return wrapper


def instrument(**options: object) -> tuple[Watch, object]:
    """Install crashreport between two stamping hooks; return the watch and its hook.

    Below it, the hook it chains to (Python's own) stamps ``printed`` when the
    traceback is out; the caller wraps crashreport's hook to stamp ``entry``.
    """
    import crashreport

    python_hook = sys.excepthook

    def printed(*args: object) -> None:
        python_hook(*args)
        stamp("printed")

    sys.excepthook = printed
    crashreport.install(product="bench-app", version="1.0", **options)
    watch = Watch()
    sys.meta_path.insert(0, watch)
    return watch, sys.excepthook


def report_size(report: object) -> int:
    """Characters of crash text a report holds: messages, notes, frames, locals."""
    total = 0
    todo = [getattr(report, "exception", None)]
    while todo:
        info = todo.pop()
        if info is None:
            continue
        total += len(getattr(info, "type", "")) + len(getattr(info, "message", ""))
        total += sum(len(note) for note in getattr(info, "notes", ()))
        for frame in getattr(info, "frames", ()):
            total += len(frame.file) + len(frame.function) + len(frame.source)
            total += sum(len(k) + len(v) for k, v in getattr(frame, "locals", ()))
        todo.append(getattr(info, "cause", None))
        todo.extend(getattr(info, "exceptions", ()))
    return total


def crash_size(exc: BaseException) -> int:
    """Characters of the live crash: message, and each frame's file, function,
    source line and locals (name and repr), as ``capture_locals`` would show them."""
    import linecache

    total = len(type(exc).__name__) + len(str(exc))
    tb = exc.__traceback__
    while tb is not None:
        code = tb.tb_frame.f_code
        source = linecache.getline(code.co_filename, tb.tb_lineno).strip()
        total += len(code.co_filename) + len(code.co_name) + len(source)
        if tb.tb_frame.f_globals is not tb.tb_frame.f_locals:  # not the module's globals
            total += sum(len(k) + len(repr(v)) for k, v in tb.tb_frame.f_locals.items())
        tb = tb.tb_next
    return total


def redacted_mode() -> None:
    watch, ours = instrument(capture_locals=True, dry_run=True)
    profile = os.environ.get("BENCH_PROFILE") == "1"

    def entry(exc_type: type[BaseException], exc: BaseException, tb: object) -> None:
        stamp("entry")
        if profile:
            import cProfile

            profiler = cProfile.Profile()
            profiler.runcall(ours, exc_type, exc, tb)
        else:
            ours(exc_type, exc, tb)
        stamp("done")
        import json
        import linecache
        import traceback

        linecache.clearcache()  # as cold as crashreport found it
        start = time.monotonic()
        text = "".join(traceback.format_exception(exc_type, exc, tb))
        plain = time.monotonic() - start
        linecache.clearcache()
        start = time.monotonic()
        full = traceback.TracebackException(exc_type, exc, tb, capture_locals=True)
        with_locals = "".join(full.format())
        locals_time = time.monotonic() - start
        result = {
            "stamps": STAMPS,
            "errors": watch.errors,
            "baseline_format_exception": plain,
            "baseline_with_locals": locals_time,
            "python_text_chars": len(text),
            "python_text_with_locals_chars": len(with_locals),
            "report_chars": report_size(watch.kept.get("capture")),
            "crash_chars": crash_size(exc),
        }
        sys.stdout.write(json.dumps(result) + "\n")
        if profile:
            import pstats

            pstats.Stats(profiler, stream=sys.stdout).sort_stats("cumulative").print_stats(30)
        sys.stdout.flush()

    sys.excepthook = entry
    CRASH["message"] = message(2_500)
    layers(final=raise_).step_0(0, 55)  # 55 frames


def prompt_mode(install: bool) -> None:
    if install:
        watch, ours = instrument(endpoint=ENDPOINT)

        def entry(*args: object) -> None:
            stamp("entry")
            ours(*args)
            stamp("done")
            import json

            loaded = [m for m in ("questionary", "prompt_toolkit", "httpx") if m in sys.modules]
            result = {"stamps": STAMPS, "errors": watch.errors, "loaded": loaded}
            sys.stdout.write(f"BENCH-RESULT {json.dumps(result)}\n")
            sys.stdout.flush()

        sys.excepthook = entry

    def announce() -> None:
        sys.stdout.write(f"BENCH-RAISE {time.monotonic():.9f}\n")
        sys.stdout.flush()

    CRASH.update(message="the 200-frame crash", before=announce)
    layers(final=raise_).step_0(0, STEPS)  # 200 frames


def prompt_alone_mode() -> None:
    """The library's own cost of the same question, for target 4's second baseline:
    ``BENCH-RAISE`` is stamped, then questionary is imported and the consent
    step's select (same text, choices, pointer and instruction) is asked on
    this terminal, without any crash or crashreport."""
    sys.stdout.write(f"BENCH-RAISE {time.monotonic():.9f}\n")
    sys.stdout.flush()
    import questionary

    choices = ["Send report", "Don't send", "View full report", "Save to file", "Add a comment"]
    question = questionary.select(
        "Send this crash report to 127.0.0.1?",
        choices=choices,
        default="Don't send",
        instruction="(arrow keys, Enter)",
    )
    question.ask()


def big_objects() -> tuple[object, ...]:
    """Four objects of about 100 KB each: str, bytes, list, dict."""
    return (
        "s" * 100_000,
        b"b" * 100_000,
        list(range(20_000)),
        dict.fromkeys(range(1_000), "v" * 90),
    )


def chain(count: int, blob: str, module: object) -> None:
    """``count`` chained exceptions, each raised 150 frames deep, a 100 KB local in each."""
    try:
        if count > 1:
            chain(count - 1, blob, module)
        else:
            raise BenchError("the first failure: " + "f" * 100_000)
    except BenchError as exc:
        cause = exc

        def final() -> None:
            raise BenchError(f"link {count}: " + "c" * 100_000) from cause

        module.FINAL = final
        getattr(module, f"heavy_{HEAVY - 150}")(blob, False)  # shared: 20 x 150 x 100 KB is a lot


def bounded_mode(kind: str) -> None:
    watch, ours = instrument(capture_locals=True, dry_run=True)

    def entry(*args: object) -> None:
        stamp("entry")
        ours(*args)
        stamp("done")
        import json
        import resource

        rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
        result = {"stamps": STAMPS, "errors": watch.errors, "max_rss": rss}
        sys.stdout.write(json.dumps(result) + "\n")
        sys.stdout.flush()

    sys.excepthook = entry
    module = layers(HEAVY_LAYERS, final=raise_)
    if kind == "bounded-deep":
        CRASH["message"] = "deep: " + "m" * 100_000
        module.heavy_0("x" * 100_000, True)  # a distinct 100 KB string in each frame
    elif kind == "bounded-wide":
        CRASH["message"] = "wide: " + "w" * 100_000
        module.wide_0(big_objects())
    else:
        chain(20, "y" * 100_000, module)


def main() -> None:
    mode = sys.argv[1] if len(sys.argv) > 1 else ""
    if mode == "write-layers" and len(sys.argv) == 3:
        print("\n".join(write_layers(sys.argv[2])))
    elif mode == "redacted":
        redacted_mode()
    elif mode in ("prompt", "prompt-baseline"):
        prompt_mode(install=mode == "prompt")
    elif mode == "prompt-alone":
        prompt_alone_mode()
    elif mode.startswith("bounded-"):
        bounded_mode(mode)
    else:
        sys.exit(
            f"usage: {sys.argv[0]} redacted|prompt|prompt-baseline|prompt-alone"
            "|bounded-deep|bounded-wide|bounded-chain|write-layers DIR"
        )


if __name__ == "__main__":
    main()
