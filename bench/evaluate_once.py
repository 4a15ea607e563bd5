"""One program evaluation under mocks in a fresh interpreter: `python bench/evaluate_once.py homelab|bare`.

The parent times the whole process, imports included: every `pulumi preview` and `pulumi up`
pays all of it before the engine does anything.
"""

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

from offline_preview.capture import run_program  # noqa: E402
from stack_config.stack_files import stack_file_config  # noqa: E402

PROGRAMS = {"homelab": ROOT / "__main__.py", "bare": ROOT / "bench" / "bare_program.py"}

if __name__ == "__main__":
    which = sys.argv[1]
    capture = run_program(stack_file_config("homelab"), program=PROGRAMS[which])
    if capture.error is not None or not capture.registrations:
        raise SystemExit(f"{which} program failed: {capture.error!r}")
    print(len(capture.registrations))
