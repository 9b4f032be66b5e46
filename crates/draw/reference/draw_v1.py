#!/usr/bin/env python3
"""Reference implementation of the spotcheck draw, algorithm spotcheck-draw/v1.

Written straight from the specification (DRAW.md, summarised in docs/draw.en.md), as plainly as
possible and with the Python standard library only, so that anyone can read it in one sitting and
check a published draw without trusting the spotcheck program. It is deliberately slow and simple:
full sorts, lists, no tricks.

    python3 draw_v1.py run INPUT.json      # print the output of the draw, exit 0 (2: bad input)
    python3 draw_v1.py verify RECORD.json  # recompute {"input", "output"}: exit 0 agrees,
                                           # 1 differs (names the first differing field), 2 bad input
"""

import hashlib
import json
import sys

ALGORITHM = "spotcheck-draw/v1"
P = ALGORITHM.encode("utf-8")

U32_MAX = 2**32 - 1
U64_MAX = 2**64 - 1


class InputError(Exception):
    """An input that is not a valid spotcheck-draw/v1 input; the message names the field."""


# ---------------------------------------------------------------------------------------------
# Definitions (DRAW.md, "Definitions")


def H(data):
    """SHA-256 of the bytes `data`."""
    return hashlib.sha256(data).digest()


def ceil_div(a, b):
    """ceil(a / b) in integers."""
    return (a + b - 1) // b


def utf8(text):
    return text.encode("utf-8")


def hash_of_sorted_lines(lines):
    """SHA-256, lower-case hex, over lines sorted by their bytes (each line ends in a line feed)."""
    return hashlib.sha256(b"".join(sorted(lines))).hexdigest()


def population_sha256(population):
    return hash_of_sorted_lines(
        utf8(u["id"]) + b"\t" + (b"1" if u["inspected_this_year"] else b"0") + b"\n" for u in population
    )


def officers_sha256(officers):
    return hash_of_sorted_lines(utf8(o["id"]) + b"\n" for o in officers)


def conflicts_sha256(conflicts):
    return hash_of_sorted_lines(utf8(c["officer"]) + b"\t" + utf8(c["unit"]) + b"\n" for c in conflicts)


def seed(label, population_hash, officers_hash, conflicts_hash, randomness):
    """S = label "|" population_sha256 "|" officers_sha256 "|" conflicts_sha256 "|" randomness."""
    return "|".join([label, population_hash, officers_hash, conflicts_hash, randomness])


def ticket(S, unit):
    """T(u) = H(P || "\\0object\\0" || S || "\\0" || u); S and u are bytes."""
    return H(P + b"\0object\0" + S + b"\0" + unit)


def lowest(units, k, S):
    """The k lowest units (bytes) by (T(u), u): digests compare as big-endian numbers, which is
    how Python compares bytes."""
    return sorted(units, key=lambda u: (ticket(S, u), u))[:k]


def deck_order(S, officers, p):
    """All officers (bytes) ordered by (H(P || "\\0deck\\0" || S || "\\0" || decimal(p) || "\\0" || o), o)."""
    prefix = P + b"\0deck\0" + S + b"\0" + str(p).encode("ascii") + b"\0"
    return sorted(officers, key=lambda o: (H(prefix + o), o))


# ---------------------------------------------------------------------------------------------
# How many, and which units (DRAW.md)


def selection_count(rule, population, number_of_officers):
    N = len(population)
    kind = rule["kind"]
    if kind == "key":
        R = [u for u in population if not u["inspected_this_year"]]
        L = rule["quarters_in_year"] - rule["quarter"] + 1
        return min(N, max(ceil_div(N * rule["rate_percent"], 100), ceil_div(len(R), L)))
    if kind == "general":
        return min(N, rule["objects_per_officer"] * number_of_officers)
    if kind == "special":
        return min(N, ceil_div(N * rule["rate_percent"], 100))
    return min(N, rule["count"])  # fixed


def select_units(S, rule, population, number_of_officers):
    n = selection_count(rule, population, number_of_officers)
    if rule["kind"] == "key":
        R = [utf8(u["id"]) for u in population if not u["inspected_this_year"]]
        others = [utf8(u["id"]) for u in population if u["inspected_this_year"]]
        first = lowest(R, min(n, len(R)), S)
        second = lowest(others, n - len(R), S) if n > len(R) else []
        return first + second
    return lowest([utf8(u["id"]) for u in population], n, S)


# ---------------------------------------------------------------------------------------------
# Which officers (DRAW.md, the pseudocode transcribed line by line)


def deal(S, selected, officers, conflicts, team_size):
    queue = []
    next_pass = 0
    teams = []
    for unit in selected:
        team = []
        i = 0
        appended = False
        while len(team) < team_size:
            if i == len(queue):
                if appended:
                    raise InputError("unit %s: fewer than team_size eligible officers" % unit.decode("utf-8"))
                queue += deck_order(S, officers, next_pass)
                next_pass += 1
                appended = True
            o = queue[i]
            if o not in team and (o, unit) not in conflicts:
                team.append(o)
                del queue[i]  # the next officer moves into position i
            else:
                i += 1
        teams.append((unit, team))
    return teams


def result_sha256(selected):
    h = hashlib.sha256()
    for entry in selected:
        h.update(utf8(entry["unit"]) + b"\t" + b",".join(utf8(o) for o in entry["officers"]) + b"\n")
    return h.hexdigest()


def draw(inp):
    """The output of the draw of a validated input (a dict as read from JSON)."""
    validate(inp)
    S = utf8(inp["seed"])
    officers = [utf8(o["id"]) for o in inp["officers"]]
    conflicts = {(utf8(c["officer"]), utf8(c["unit"])) for c in inp["conflicts"]}
    units = select_units(S, inp["rule"], inp["population"], len(officers))
    teams = deal(S, units, officers, conflicts, inp["team_size"])
    selected = [
        {"unit": unit.decode("utf-8"), "officers": [o.decode("utf-8") for o in team]} for unit, team in teams
    ]
    return {
        "algorithm": ALGORITHM,
        "population_sha256": population_sha256(inp["population"]),
        "officers_sha256": officers_sha256(inp["officers"]),
        "conflicts_sha256": conflicts_sha256(inp["conflicts"]),
        "count": len(selected),
        "selected": selected,
        "result_sha256": result_sha256(selected),
    }


# ---------------------------------------------------------------------------------------------
# Reading and checking input (DRAW.md, "Inputs": anything else is an error naming the field)


def reject_duplicate_keys(pairs):
    obj = {}
    for key, value in pairs:
        if key in obj:
            raise InputError("duplicate field `%s`" % key)
        obj[key] = value
    return obj


def reject_constant(name):
    raise InputError("%s is not JSON" % name)


def load_json(text):
    try:
        return json.loads(text, object_pairs_hook=reject_duplicate_keys, parse_constant=reject_constant)
    except ValueError as e:
        raise InputError("not JSON: %s" % e)


def expect_object(value, path, fields):
    if not isinstance(value, dict):
        raise InputError("%s: expected an object" % path)
    for key in value:
        if key not in fields:
            raise InputError("%s: unknown field `%s`" % (path, key))
    for key in fields:
        if key not in value:
            raise InputError("%s: missing field `%s`" % (path, key))


def expect_string(value, path):
    if not isinstance(value, str):
        raise InputError("%s: expected a string" % path)
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise InputError("%s: not valid Unicode" % path)


def expect_int(value, path, maximum):
    if type(value) is not int or not 0 <= value <= maximum:
        raise InputError("%s: expected an integer within 0..=%d" % (path, maximum))


def expect_list(value, path):
    if not isinstance(value, list):
        raise InputError("%s: expected a list" % path)


def read_input(value, path):
    """Checks the shape of an input (fields and types); `path` prefixes field names."""
    at = (path + ".") if path else ""
    expect_object(value, path or "input", ["algorithm", "seed", "rule", "population", "officers", "conflicts", "team_size"])
    expect_string(value["algorithm"], at + "algorithm")
    expect_string(value["seed"], at + "seed")
    rule = value["rule"]
    if not isinstance(rule, dict) or rule.get("kind") not in RULE_FIELDS:
        raise InputError("%srule.kind: expected one of key, general, special, fixed" % at)
    expect_object(rule, at + "rule", ["kind"] + list(RULE_FIELDS[rule["kind"]]))
    for field, maximum in RULE_FIELDS[rule["kind"]].items():
        expect_int(rule[field], "%srule.%s" % (at, field), maximum)
    for name, fields in (("population", ["id", "inspected_this_year"]), ("officers", ["id"]), ("conflicts", ["officer", "unit"])):
        expect_list(value[name], at + name)
        for i, item in enumerate(value[name]):
            expect_object(item, "%s%s[%d]" % (at, name, i), fields)
            for field in fields:
                if field == "inspected_this_year":
                    if type(item[field]) is not bool:
                        raise InputError("%s%s[%d].%s: expected true or false" % (at, name, i, field))
                else:
                    expect_string(item[field], "%s%s[%d].%s" % (at, name, i, field))
    expect_int(value["team_size"], at + "team_size", U32_MAX)


RULE_FIELDS = {
    "key": {"quarter": U32_MAX, "quarters_in_year": U32_MAX, "rate_percent": U32_MAX},
    "general": {"objects_per_officer": U64_MAX},
    "special": {"rate_percent": U32_MAX},
    "fixed": {"count": U64_MAX},
}


def check_id(field, value):
    if value == "":
        raise InputError("%s: must not be empty" % field)
    if "\0" in value or "\t" in value or "\n" in value:
        raise InputError("%s: %s contains NUL, TAB or a line feed" % (field, json.dumps(value, ensure_ascii=False)))


def check_unique(name, items):
    first_at = {}
    for i, item in enumerate(items):
        if item["id"] in first_at:
            raise InputError(
                '%s[%d].id: duplicate id %s (first at %s[%d])'
                % (name, i, json.dumps(item["id"], ensure_ascii=False), name, first_at[item["id"]])
            )
        first_at[item["id"]] = i


def validate(inp):
    """Checks the values (after read_input checked the shape)."""
    if inp["algorithm"] != ALGORITHM:
        raise InputError("algorithm: expected %s, found %s" % (ALGORITHM, json.dumps(inp["algorithm"], ensure_ascii=False)))
    rule = inp["rule"]
    if rule["kind"] == "key":
        if rule["quarters_in_year"] < 1:
            raise InputError("rule.quarters_in_year: must be at least 1")
        if not 1 <= rule["quarter"] <= rule["quarters_in_year"]:
            raise InputError("rule.quarter: %d is outside 1..=%d" % (rule["quarter"], rule["quarters_in_year"]))
    if rule["kind"] in ("key", "special") and not 1 <= rule["rate_percent"] <= 100:
        raise InputError("rule.rate_percent: %d is outside 1..=100" % rule["rate_percent"])
    for name in ("population", "officers"):
        for i, item in enumerate(inp[name]):
            check_id("%s[%d].id" % (name, i), item["id"])
        check_unique(name, inp[name])
    officer_ids = {o["id"] for o in inp["officers"]}
    unit_ids = {u["id"] for u in inp["population"]}
    seen = {}
    for i, c in enumerate(inp["conflicts"]):
        if c["officer"] not in officer_ids:
            raise InputError("conflicts[%d].officer: unknown officer %s" % (i, json.dumps(c["officer"], ensure_ascii=False)))
        if c["unit"] not in unit_ids:
            raise InputError("conflicts[%d].unit: unknown unit %s" % (i, json.dumps(c["unit"], ensure_ascii=False)))
        pair = (c["officer"], c["unit"])
        if pair in seen:
            raise InputError("conflicts[%d]: duplicate of conflicts[%d]" % (i, seen[pair]))
        seen[pair] = i
    if inp["team_size"] < 1:
        raise InputError("team_size: must be at least 1")


def read_output(value, path):
    expect_object(value, path, ["algorithm", "population_sha256", "officers_sha256", "conflicts_sha256", "count", "selected", "result_sha256"])
    for field in ("algorithm", "population_sha256", "officers_sha256", "conflicts_sha256", "result_sha256"):
        expect_string(value[field], "%s.%s" % (path, field))
    expect_int(value["count"], path + ".count", U64_MAX)
    expect_list(value["selected"], path + ".selected")
    for i, entry in enumerate(value["selected"]):
        at = "%s.selected[%d]" % (path, i)
        expect_object(entry, at, ["unit", "officers"])
        expect_string(entry["unit"], at + ".unit")
        expect_list(entry["officers"], at + ".officers")
        for k, officer in enumerate(entry["officers"]):
            expect_string(officer, "%s.officers[%d]" % (at, k))


# ---------------------------------------------------------------------------------------------
# Verification: the first field, in output order, where a record differs from the recomputation


def first_difference(expected, found):
    for field in ("algorithm", "population_sha256", "officers_sha256", "conflicts_sha256", "count"):
        if expected[field] != found[field]:
            return field, str(expected[field]), str(found[field])
    for i, (e, f) in enumerate(zip(expected["selected"], found["selected"])):
        if e["unit"] != f["unit"]:
            return "selected[%d].unit" % i, e["unit"], f["unit"]
        if e["officers"] != f["officers"]:
            return "selected[%d].officers" % i, team(e["officers"]), team(f["officers"])
    if len(expected["selected"]) != len(found["selected"]):
        return "selected", "%d entries" % len(expected["selected"]), "%d entries" % len(found["selected"])
    if expected["result_sha256"] != found["result_sha256"]:
        return "result_sha256", expected["result_sha256"], found["result_sha256"]
    return None


def team(officers):
    return json.dumps(officers, ensure_ascii=False, separators=(",", ":"))


# ---------------------------------------------------------------------------------------------
# Command line


def write(stream, text):
    stream.buffer.write(text.encode("utf-8"))
    stream.flush()


def command_run(text):
    inp = load_json(text)
    read_input(inp, "")
    output = draw(inp)
    write(sys.stdout, json.dumps(output, ensure_ascii=False, indent=2) + "\n")
    return 0


def command_verify(text):
    record = load_json(text)
    expect_object(record, "record", ["input", "output"])
    read_input(record["input"], "input")
    read_output(record["output"], "output")
    try:
        expected = draw(record["input"])
    except InputError as e:
        raise InputError(str(e) if str(e).startswith("unit ") else "input." + str(e))
    difference = first_difference(expected, record["output"])
    if difference is None:
        write(sys.stdout, "agrees: the output is the %s draw of the input\n" % ALGORITHM)
        return 0
    field, e, f = difference
    write(sys.stdout, "differs at %s\n  expected: %s\n  found:    %s\n" % (field, e, f))
    return 1


def main(argv):
    if len(argv) != 3 or argv[1] not in ("run", "verify"):
        write(sys.stderr, "usage: draw_v1.py run INPUT.json | verify RECORD.json\n")
        return 2
    try:
        with open(argv[2], "rb") as f:
            text = f.read().decode("utf-8")
    except (OSError, UnicodeDecodeError) as e:
        write(sys.stderr, "error: cannot read %s: %s\n" % (argv[2], e))
        return 2
    try:
        return command_run(text) if argv[1] == "run" else command_verify(text)
    except InputError as e:
        write(sys.stderr, "error: %s\n" % e)
        return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
