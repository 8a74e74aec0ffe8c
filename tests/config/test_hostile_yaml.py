"""Hostile YAML in a config, an appspec or a buildspec is refused with `FILE:LINE path: what (fix)`.

All three file kinds are read by the one loader (vendor.config.source): each case is tried on each
kind, and must end in a located error, never in a traceback or an exhausted memory."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from vendor.config.source import SourceError

# billion laughs: 9 levels of 9 aliases each, 1.4 KB of text, 9**9 strings once expanded
BOMB = "".join(f"l{i}: &l{i} [" + ", ".join([f"*l{i - 1}"] * 9) + "]\n" for i in range(1, 10))
BOMB = 'l0: &l0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]\n' + BOMB
MERGE_BOMB = "m0: &m0 {k: v}\n" + "".join(
    f"m{i}: &m{i}\n  <<: [" + ", ".join([f"*m{i - 1}"] * 9) + f"]\n  k{i}: x\n" for i in range(1, 10))
BOMB_HINT = ("aliases repeat the anchored value and nested aliases multiply it (a YAML bomb): "
             "write the values out or use fewer aliases")

# (name, text appended as the file's last top-level key(s), the problem after "FILE:")
# the line numbers count from the first appended line (1)
CASES = [
    ("billion laughs", BOMB,
     f"5 l4: more than 50000 values, counting each alias expansion ({BOMB_HINT})"),
    ("billion laughs through merge keys", MERGE_BOMB,
     f"14 m5: more than 50000 values, counting each alias expansion ({BOMB_HINT})"),
    ("deep nesting", "deep: " + "[" * 1000 + "]" * 1000 + "\n",
     "1 (file): nested deeper than 64 levels (flatten the structure; no config, appspec or buildspec needs this depth)"),
    ("deep block nesting", "deep:\n  " + "- " * 1000 + "x\n",
     "2 (file): nested deeper than 64 levels (flatten the structure; no config, appspec or buildspec needs this depth)"),
    ("deep nesting through aliases", "d0: &d0 [x]\n" + "".join(f"d{i}: &d{i} [*d{i - 1}]\n" for i in range(1, 80)),
     "63 d62: nested deeper than 64 levels through aliases or merges (flatten the structure or use fewer aliases)"),
    ("a long chain of merges", "c0: &c0 {a: 1}\n" + "".join(f"c{i}: &c{i} {{<<: *c{i - 1}}}\n" for i in range(1, 80)),
     "63 c62: nested deeper than 64 levels through aliases or merges (flatten the structure or use fewer aliases)"),
    ("self-referencing anchor", "loop: &loop [a, *loop]\n",
     "1 loop/1: an alias refers to a value that contains it (a recursive anchor) (an alias may only name a value outside itself)"),
    ("self-merging anchor", "loop: &loop\n  a: 1\n  <<: *loop\n",
     "3 loop: << merges a mapping that contains it (a recursive anchor) (merge only mappings defined outside this one)"),
    ("5000-digit integer", "big: " + "9" * 5000 + "\n",
     "1 big: a number of 5000 characters is too long (at most 100) (quote it if it is text)"),
    ("python tag on a key", "? !!python/name:os.system\n: 1\n",
     "1 (top level): the tag !!python/name:os.system is not allowed (only plain YAML: text, numbers, "
     "true/false, lists and mappings) (remove the tag)"),
    ("python tag on a value", "x: !!python/object/apply:os.system [id]\n",
     "1 x: the tag !!python/object/apply:os.system is not allowed (only plain YAML: text, numbers, "
     "true/false, lists and mappings) (remove the tag)"),
    ("merge of a number", "m:\n  <<: 5\n",
     "2 m: << merges a mapping or a list of mappings, not '5' (write <<: *anchor where &anchor names a mapping)"),
    ("a tag its value does not fit", "flag: !!bool 1:2:3\n",
     "1 flag: '1:2:3' is not a valid !!bool (remove the tag, or write a value of that kind)"),
    ("impossible date", "when: 2026-13-45\n",
     "1 when: cannot read value: month must be in 1..12 (quote the value)"),
]

HEADS = {  # a valid start of each file kind, so the hostile part is all that is wrong
    "config": (Path(__file__).parent / "minimal.yaml").read_text(),
    "appspec": "version: 0.0\nos: linux\n",
    "buildspec": "version: 0.2\nphases:\n  build:\n    commands: [make]\n",
}
MEMORY_LIMIT = 1_500_000_000  # bytes of address space: the bomb would need far more

# Loads each file in a child process whose address space is bounded, so a bomb that got through
# fails fast instead of swapping the machine. The bound is never set in the test process itself:
# there, with the suite's threads and servers, allocations past it fail anywhere and break later tests.
LOAD_ALL = """
import json, resource, sys
resource.setrlimit(resource.RLIMIT_AS, (int(sys.argv[1]), resource.getrlimit(resource.RLIMIT_AS)[1]))
from vendor.config.loader import load_config
from vendor.config.source import SourceError
from vendor.deploy.appspec import load_appspec
from vendor.pipeline.buildspec import load_buildspec
loaders = {"config": load_config, "appspec": lambda p: load_appspec(p, revision=None), "buildspec": load_buildspec}
out = {}
for kind, path in json.load(sys.stdin):
    try:
        loaders[kind](path)
        out[path] = "loaded without a problem"
    except SourceError as e:
        out[path] = [str(p) for p in e.problems]
    except BaseException as e:
        out[path] = f"{type(e).__name__}: {e}"
json.dump(out, sys.stdout)
"""


@pytest.fixture(scope="module")
def loaded(tmp_path_factory) -> dict[str, object]:
    """path -> the problems (or what else happened) of every case of every kind, loaded in one bounded child."""
    directory = tmp_path_factory.mktemp("hostile")
    files = []
    for name, text, _ in CASES:
        for kind, head in HEADS.items():
            path = directory / f"{name.replace(' ', '-')}-{kind}.yml"
            path.write_text(head + text)
            files.append((kind, str(path)))
    child = subprocess.run([sys.executable, "-c", LOAD_ALL, str(MEMORY_LIMIT)], input=json.dumps(files),
                           capture_output=True, text=True, timeout=120, cwd=Path(__file__).resolve().parents[2])
    assert child.returncode == 0, child.stderr[-2000:]
    return json.loads(child.stdout)


@pytest.mark.parametrize("kind", sorted(HEADS))
@pytest.mark.parametrize("name,text,problem", CASES, ids=[c[0] for c in CASES])
def test_hostile_yaml_is_refused_with_its_line(loaded, kind, name, text, problem):
    """YAML bombs, deep nesting, self-referencing anchors, huge integers, python tags and bad merges in a config, appspec or buildspec give one `FILE:LINE` error, not a traceback."""
    path = next(p for p in loaded if p.endswith(f"/{name.replace(' ', '-')}-{kind}.yml"))
    offset = HEADS[kind].count("\n")
    line, rest = problem.split(" ", 1)
    assert loaded[path] == [f"{path}:{int(line) + offset} {rest}"]


def test_aliases_and_merges_within_bounds_still_load(tmp_path):
    """Ordinary anchors, aliases and merge keys still work: explicit keys win over merged ones."""
    from vendor.config.source import parse_yaml
    doc = parse_yaml("base: &base {a: 1, b: 2}\nboth: &both [x, y]\nm:\n  <<: *base\n  b: 3\nl: *both\n"
                     "t: [!!str 1, !!int '2', !!float 3, !!bool yes, !!null '']\n", "f.yaml")
    assert doc.data == {"base": {"a": 1, "b": 2}, "both": ["x", "y"], "m": {"b": 3, "a": 1}, "l": ["x", "y"],
                        "t": ["1", 2, 3.0, True, None]}
    assert doc.lines[("m", "b")] == 5


# pieces of YAML a fuzzer combines: structure, anchors, merges, tags and values PyYAML trips on
PIECES = ["a: ", "&x ", "*x", "<<: ", "[", "]", "{", "}", ", ", "- ", "\n", "  ", "? ", ": ", "9" * 120,
          "2026-13-40", '"q"', "'s'", "~", "true", "1.5", "0x1F", "1:2:3", "=", "...\n", "|\n  x\n", "\t",
          "!!python/name:os.system ", "!!binary ", "!!set ", "!foo ", "!!int ", "!!float ", "!!str ", "!!map ",
          "!!seq ", "!!timestamp ", "!!null ", "!!bool ", "!!omap ", "%YAML 1.1\n---\n", "#c\n"]


def test_random_hostile_yaml_gives_located_errors_only():
    """1500 random combinations of YAML structure, anchors, merges and tags either load or give located problems: no other exception escapes the loader."""
    import random

    from vendor.config.source import parse_yaml
    rng = random.Random(13)
    escaped = []
    for _ in range(1500):
        text = "".join(rng.choice(PIECES) for _ in range(rng.randint(1, 30)))
        try:
            parse_yaml(text, "f.yaml")
        except SourceError as e:
            assert e.problems and all(p.file == "f.yaml" for p in e.problems)
        except Exception as e:  # noqa: BLE001 - what the test looks for
            escaped.append(f"{type(e).__name__} on {text!r}")
    assert escaped == []


def test_the_buildspec_as_written_pass_is_bounded_too():
    """The buildspec's second look at its text (values as written) uses the same bounded loader: deep nesting gives nothing there, not a RecursionError."""
    from vendor.pipeline.buildspec import scalars_as_written
    assert scalars_as_written("a: " + "[" * 2000 + "]" * 2000 + "\n") == {}
    assert scalars_as_written("env:\n  variables:\n    CI: true\n") == {("env", "variables", "CI"): "true"}
