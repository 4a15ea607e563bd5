import sys

from smoke.cli import main

raise SystemExit(main(sys.argv[1:]))
