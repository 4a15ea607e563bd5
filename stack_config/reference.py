"""Writes docs/configuration.md, the key reference, from ``FIELDS``.

    python -m stack_config.reference           # rewrite docs/configuration.md
    python -m stack_config.reference --check   # exit 1 if the committed file is not what FIELDS gives
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

import yaml

from stack_config.schema import FIELDS, SECTIONS
from stack_config.vocabulary import PROJECT

REFERENCE = Path(__file__).resolve().parent.parent / "docs" / "configuration.md"

INTRO = f"""# Configuration reference

<!-- Generated from FIELDS (stack_config/schema.py) by `python -m stack_config.reference`; do not edit. -->

The program reads one key per section, {", ".join(f"`{PROJECT}:{section}`" for section in SECTIONS)},
each a YAML map in `Pulumi.<stack>.yaml`. Every field below has a default, so
a stack file names only what it changes. Set one field with `--path`:

```sh
pulumi config set --path 'ollama.replicas' 0
pulumi config set --path 'ollama.models.pull[0]' llama3.2
```

Every key is validated before anything is registered: a bad value, an unknown key or a key set
without `--path` fails with one error listing every problem, each with the key, the value and
what is accepted. [config-validation.md](config-validation.md) says how values are read and what
each mistake gets back. Defaults are shown as YAML writes them; an empty default (`''`) is filled
in as the description says.
"""


def yaml_value(value: Any) -> str:
    """``value`` as YAML writes it in flow style: `true`, `{}`, `'true'` where a string needs quotes."""
    text = yaml.safe_dump(value, default_flow_style=True, width=float("inf"))
    return text.removesuffix("\n...\n").strip()


def render() -> str:
    parts = [INTRO]
    for section in SECTIONS:
        rows = "".join(
            f"| `{field.key}` | `{yaml_value(field.default)}` | {field.doc} |\n" for field in FIELDS if field.section == section
        )
        parts.append(f"\n## `{PROJECT}:{section}`\n\n| Key | Default | Description |\n|---|---|---|\n{rows}")
    return "".join(parts)


def main(argv: list[str], path: Path = REFERENCE) -> int:
    parser = argparse.ArgumentParser(prog="python -m stack_config.reference", description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="only check that the file is current")
    args = parser.parse_args(argv)
    text = render()
    if args.check:
        if not path.exists() or path.read_text() != text:
            print(f"{path.name} is stale: run python -m stack_config.reference", file=sys.stderr)
            return 1
        return 0
    path.write_text(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
