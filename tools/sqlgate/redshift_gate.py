"""Redshift grammar gate: sqlfluff's `redshift` dialect plus the rules its grammar lets through.

Input: a JSON array of {"name": str, "sql": str} on stdin, or in the file named by the first
argument. Output (stdout): one JSON object, {"sqlfluff": version, "results": [{"name", "problems":
[{"rule", "message", "line", "pos"}]}]}, in input order; a statement passes when `problems` is
empty. One process checks every statement: importing sqlfluff costs ~0.4 s, a parse ~10 ms.

Why rules on top of the grammar: sqlfluff 1.4.5's redshift dialect accepts Postgres constructs
Redshift refuses (shared/REDSHIFT.md lists them: a MERGE target alias, MERGE from a subquery, ...),
and rejects others only as an anonymous "unparsable section". Every rule below names what Redshift
does instead, so whoever reads a failure knows the fix. Tree rules read the parsed segments; token
rules read the lexed tokens, which exist even where the grammar gave up (string literals and quoted
identifiers are single tokens, so their contents never match).

Known false rejections of sqlfluff 1.4.5 (valid Redshift the gate cannot pass): `ALTER TABLE APPEND`,
`SERIALIZETOJSON`, `MERGE ... REMOVE DUPLICATES`. Emit none of them, or extend the grammar.
"""

import json
import re
import sys

from sqlfluff import __version__ as SQLFLUFF_VERSION
from sqlfluff.core import FluffConfig, Linter

# The raw templater: statements are final SQL; Jinja would rewrite `{{`/`{%` inside literals.
LINTER = Linter(config=FluffConfig(overrides={"dialect": "redshift", "templater": "raw"}))


def problem(rule, message, segment=None, line=None, pos=None):
    if segment is not None and segment.pos_marker is not None:
        line, pos = segment.pos_marker.working_line_no, segment.pos_marker.working_line_pos
    return {"rule": rule, "message": message, "line": line, "pos": pos}


def code_children(segment):
    return [c for c in segment.segments if c.is_code]


def upper_raw(segment):
    return " ".join(segment.raw.split()).upper()


def is_keyword(segment, word):
    return segment.is_type("keyword") and segment.raw.upper() == word


def next_code_after_keyword(children, word):
    for i, child in enumerate(children):
        if is_keyword(child, word):
            return children[i + 1] if i + 1 < len(children) else None
    return None


# ---- tree rules: what the grammar accepts but Redshift refuses --------------------------------


def merge_rules(tree):
    for merge in tree.recursive_crawl("merge_statement"):
        children = code_children(merge)
        target = next_code_after_keyword(children, "INTO")
        if target is not None:
            after_target = children[children.index(target) + 1 : children.index(target) + 2]
            if after_target and after_target[0].is_type("alias_expression"):
                yield problem(
                    "merge-target-alias",
                    "MERGE target has an alias: Redshift allows an alias on the source only; "
                    "qualify target columns with the table name",
                    after_target[0],
                )
        source = next_code_after_keyword(children, "USING")
        if source is not None and (
            source.is_type("bracketed") or any(True for _ in source.recursive_crawl("select_statement"))
        ):
            yield problem(
                "merge-source-subquery",
                "MERGE source is a subquery: Redshift merges from a table only (stage into a temp table)",
                source,
            )
        matched = list(merge.recursive_crawl("merge_when_matched_clause"))
        not_matched = list(merge.recursive_crawl("merge_when_not_matched_clause"))
        if len(matched) != 1 or len(not_matched) != 1:
            yield problem(
                "merge-clauses",
                "Redshift MERGE needs exactly one WHEN MATCHED and one WHEN NOT MATCHED clause "
                f"(found {len(matched)} and {len(not_matched)})",
                merge,
            )
        for clause in matched + not_matched:
            if any(is_keyword(c, "AND") for c in code_children(clause)):
                yield problem(
                    "merge-when-condition",
                    "WHEN [NOT] MATCHED AND <condition>: Redshift allows no condition on a MERGE clause",
                    clause,
                )


def distinct_on_rule(tree):
    for modifier in tree.recursive_crawl("select_clause_modifier"):
        words = [c.raw.upper() for c in code_children(modifier)]
        if "DISTINCT" in words and "ON" in words:
            yield problem("distinct-on", "DISTINCT ON is Postgres-only: use ROW_NUMBER() in a subquery", modifier)


def row_constructor_rule(tree):
    for expression in tree.recursive_crawl("expression"):
        children = code_children(expression)
        for i, child in enumerate(children):
            if not child.is_type("bracketed"):
                continue
            has_comma = any(c.is_type("comma") for c in child.segments)
            # `x IN (1, 2)` is a list, not a row; a bracketed tuple anywhere else is a row value.
            after_in = i > 0 and is_keyword(children[i - 1], "IN")
            if has_comma and not after_in:
                yield problem(
                    "row-constructor",
                    "row value (a, b): Redshift has no row constructors; compare column by column",
                    child,
                )
    for function in tree.recursive_crawl("function"):
        name = next(function.recursive_crawl("function_name"), None)
        if name is not None and upper_raw(name) == "ROW":
            yield problem("row-constructor", "ROW(...): Redshift has no row constructors", function)


def function_rules(tree):
    for function in tree.recursive_crawl("function"):
        name = next(function.recursive_crawl("function_name"), None)
        if name is None:
            continue
        word = upper_raw(name)
        if word == "NOW":
            yield problem(
                "now",
                "now() is a deprecated leader-node-only function on Redshift: use GETDATE() or SYSDATE",
                function,
            )
        if word in ("ANY", "SOME", "ALL"):
            args = [c for c in code_children(function) if c.is_type("bracketed")]
            if not any(True for a in args for _ in a.recursive_crawl("select_statement")):
                yield problem(
                    "array",
                    f"{word}(<array>): Redshift has no arrays; use IN (...) or a join to a staged table",
                    function,
                )
    for literal in tree.recursive_crawl("array_literal"):
        yield problem("array", "array literal: Redshift has no arrays", literal)


def identity_rule(tree):
    for attribute in tree.recursive_crawl("column_attribute_segment"):
        children = code_children(attribute)
        for i, child in enumerate(children):
            if not is_keyword(child, "IDENTITY"):
                continue
            following = children[i + 1] if i + 1 < len(children) else None
            numbers = (
                [c for c in code_children(following) if c.is_type("numeric_literal")]
                if following is not None and following.is_type("bracketed")
                else []
            )
            if len(numbers) != 2:
                yield problem(
                    "identity-seed-step",
                    "IDENTITY without (seed, step): Redshift needs e.g. IDENTITY(1, 1)",
                    attribute,
                )


# Redshift stores TEXT as VARCHAR(256) and a VARCHAR without length is VARCHAR(256) too; both
# silently cap at 256 *bytes*. The catalog knows each column's length: say it.
UNSIZED_CHARACTER_TYPES = {"TEXT", "VARCHAR", "CHARACTER VARYING", "NVARCHAR", "BPCHAR"}


def character_type_rule(tree):
    for data_type in tree.recursive_crawl("data_type"):
        has_length = any(c.is_type("bracketed") for c in data_type.segments)
        words = upper_raw(data_type)
        if words in UNSIZED_CHARACTER_TYPES and not has_length:
            yield problem(
                "unsized-text",
                f"{words} without a length is VARCHAR(256) on Redshift (256 bytes): write VARCHAR(n) "
                "with the catalog's length, or VARCHAR(MAX)",
                data_type,
            )


def parquet_copy_rule(tree):
    for copy in tree.recursive_crawl("copy_statement"):
        formats = " ".join(upper_raw(f) for f in copy.recursive_crawl("data_format_segment"))
        columnar = re.search(r"\b(PARQUET|ORC)\b", formats)
        column_list = any(c.is_type("bracketed") for c in code_children(copy))
        if columnar and column_list:
            yield problem(
                "columnar-copy-column-list",
                f"COPY ... FORMAT AS {columnar.group(1)} with a column list: columnar COPY maps "
                "columns by position and takes no list; make the stage's columns the file's",
                copy,
            )


TREE_RULES = (
    merge_rules,
    distinct_on_rule,
    row_constructor_rule,
    function_rules,
    identity_rule,
    character_type_rule,
    parquet_copy_rule,
)


# ---- token rules: Postgres constructs, named even where the grammar only says "unparsable" -----


def tokens_of(tree):
    return [s for s in tree.raw_segments if s.is_code]


def words(tokens):
    return [t.raw.upper() for t in tokens]


def find_sequence(haystack, needle):
    for i in range(len(haystack) - len(needle) + 1):
        if haystack[i : i + len(needle)] == needle:
            return i
    return -1


TOKEN_SEQUENCES = (
    (["ON", "CONFLICT"], "on-conflict", "ON CONFLICT is Postgres-only: MERGE from a staged table, or DELETE + INSERT"),
    (["SAVEPOINT"], "savepoint", "SAVEPOINT: Redshift has no savepoints"),
    (["ROLLBACK", "TO"], "savepoint", "ROLLBACK TO (a savepoint): Redshift has no savepoints"),
    (["FROM", "STDIN"], "copy-stdin", "COPY ... FROM STDIN: Redshift copies from S3 (COPY ... FROM 's3://...')"),
    (
        ["ADD", "COLUMN", "IF", "NOT", "EXISTS"],
        "add-column-if-not-exists",
        "ADD COLUMN IF NOT EXISTS is not Redshift syntax: check svv_columns first",
    ),
)


def token_rules(tree):
    tokens = tokens_of(tree)
    upper = words(tokens)
    for needle, rule, message in TOKEN_SEQUENCES:
        at = find_sequence(upper, needle)
        if at >= 0:
            yield problem(rule, message, tokens[at])
    if upper[:1] == ["LOCK"] and "MODE" in upper:
        yield problem(
            "lock-mode",
            "LOCK ... IN ... MODE: Redshift's LOCK takes no mode (it is always ACCESS EXCLUSIVE: readers wait)",
            tokens[0],
        )
    for i, token in enumerate(tokens[:-1]):
        if upper[i] in ("TIMESTAMP", "TIMESTAMPTZ", "TIME", "TIMETZ") and upper[i + 1] == "(":
            yield problem(
                "time-precision",
                f"{token.raw}(n): Redshift's {upper[i]} takes no precision (it always keeps microseconds)",
                token,
            )
    for token in tokens:
        if token.raw in ("[", "]") or token.raw.upper() == "ARRAY":
            yield problem("array", "array syntax: Redshift has no arrays", token)
            break
    for token in tree.raw_segments:
        if re.search(r"\$\d+", token.raw) and not token.is_type("quoted_literal", "comment"):
            yield problem(
                "positional-parameter",
                "positional parameter ($n): the Data API takes named parameters (:name)",
                token,
            )
            break


# ---- one statement ----------------------------------------------------------------------------


def check(sql):
    parsed = LINTER.parse_string(sql)
    problems = [
        problem("grammar", v.desc(), line=v.line_no, pos=v.line_pos) for v in parsed.violations
    ]
    tree = parsed.tree
    if tree is None:
        return problems
    statements = list(tree.recursive_crawl("statement", recurse_into=False))
    if len(statements) != 1:
        # The Data API runs one statement per ExecuteStatement / per batch entry.
        problems.append(problem("one-statement", f"one statement per entry, found {len(statements)}"))
    for rule in TREE_RULES:
        problems.extend(rule(tree))
    problems.extend(token_rules(tree))
    return problems


def main():
    text = open(sys.argv[1], encoding="utf-8").read() if len(sys.argv) > 1 else sys.stdin.read()
    entries = json.loads(text)
    results = [{"name": e["name"], "problems": check(e["sql"])} for e in entries]
    json.dump({"sqlfluff": SQLFLUFF_VERSION, "results": results}, sys.stdout)


if __name__ == "__main__":
    main()
