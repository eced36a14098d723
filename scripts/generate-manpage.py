#!/usr/bin/env python3
"""Writes proctrace(1), a roff man page, from the command's own help.

Reads `proctrace --experimental-dump-help` (swift-argument-parser's JSON
description of every command, option and help text), so the page says exactly
what `proctrace help COMMAND` says. Usage:

    scripts/generate-manpage.py .build/release/proctrace > proctrace.1

Why not swift-argument-parser's own `generate-manual` (1.8.2, measured on this
command): its page makes `man --warnings` print 19 groff/mdoc warnings (an empty
input line for every blank line of a discussion, lines it cannot break), which
lintian reports as groff-message and `make test-install` fails on; this page
gives none, and has the FILES and SEE ALSO sections the plugin cannot add.
"""
import datetime
import json
import os
import re
import subprocess
import sys


def roff(text):
    """Escapes text for roff: backslashes, and a leading . or ' on a line.

    A comma inside a word (a list such as start,exists,fork) gets a break
    point after it, so a long list can wrap instead of overrunning the line."""
    lines = []
    for line in re.sub(r",(?=\S)", ",\\:", text.replace("\\", "\\e")).split("\n"):
        if line.startswith((".", "'")):
            line = "\\&" + line
        lines.append(line)
    return "\n".join(lines)


def option_synopsis(argument):
    names = []
    for name in argument.get("names", []):
        names.append(("-" if name["kind"] == "short" else "--") + name["name"])
    value = argument.get("valueName", "")
    if argument["kind"] == "positional":
        return "\\fI%s\\fR" % value
    text = ", ".join("\\fB%s\\fR" % roff(n) for n in names)
    if argument["kind"] == "option":
        text += " \\fI%s\\fR" % roff(value)
    return text


def discussion_text(discussion):
    if isinstance(discussion, dict):  # newer serializations: {"staticText": ...} or enumerated values
        return discussion.get("staticText", "")
    return discussion or ""


def paragraphs(text):
    """Prose paragraphs fill; paragraphs of indented lines (examples) keep their lines."""
    blocks = []
    for block in text.strip("\n").split("\n\n"):
        if any(line.startswith("  ") for line in block.split("\n")):
            blocks.append(".PP\n.nf\n%s\n.fi" % roff(block))
        else:
            blocks.append(".PP\n%s" % roff(block))
    return "\n".join(blocks)


def describe(command, path, out):
    name = " ".join(path)
    if len(path) > 1:
        out.append(".SS %s" % roff(name))
    if command.get("abstract"):
        out.append(roff(command["abstract"]))
    arguments = [a for a in command.get("arguments", []) if a.get("shouldDisplay", True)]
    if arguments:
        usage = " ".join(
            ("[%s]" if a.get("isOptional") else "%s") % option_synopsis(a) for a in arguments
        )
        out.append(".PP\n\\fB%s\\fR %s" % (roff(name), usage))
    discussion = discussion_text(command.get("discussion"))
    if discussion:
        # Examples and lists keep their lines.
        out.append(paragraphs(discussion))
    for argument in arguments:
        out.append(".TP\n%s" % option_synopsis(argument))
        text = argument.get("abstract", "")
        if argument.get("defaultValue"):
            text += " (default: %s)" % argument["defaultValue"]
        extra = discussion_text(argument.get("discussion"))
        if extra:
            text += "\n" + extra
        out.append(roff(text) or "\\&")
    for sub in command.get("subcommands", []):
        if sub["commandName"] == "help" or not sub.get("shouldDisplay", True):
            continue
        describe(sub, path + [sub["commandName"]], out)


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: generate-manpage.py PATH-TO-PROCTRACE")
    dump = subprocess.run([sys.argv[1], "--experimental-dump-help"], check=True, capture_output=True, text=True)
    root = json.loads(dump.stdout)["command"]
    version = subprocess.run([sys.argv[1], "--version"], check=True, capture_output=True, text=True).stdout.strip()
    # Reproducible: the date of the source, not of the build, when SOURCE_DATE_EPOCH is set.
    stamp = datetime.datetime.fromtimestamp(int(os.environ.get("SOURCE_DATE_EPOCH", "0")) or None
                                            or datetime.datetime.now().timestamp(), datetime.timezone.utc)
    out = [
        '.TH PROCTRACE 1 "%s" "proctrace %s" "User Commands"' % (stamp.strftime("%Y-%m-%d"), version),
        # Ragged right: option names and comma lists are long words, and a line
        # of them cannot be stretched to both margins (groff warns, lintian fails).
        ".ad l",
        ".SH NAME",
        "proctrace \\- %s" % roff(root.get("abstract", "")),
        ".SH SYNOPSIS",
        "\\fBproctrace\\fR \\fIcommand\\fR [\\fIoptions\\fR]",
        ".SH DESCRIPTION",
        paragraphs(discussion_text(root.get("discussion"))),
        ".SH COMMANDS",
    ]
    for sub in root.get("subcommands", []):
        if sub["commandName"] == "help":
            continue
        describe(sub, ["proctrace", sub["commandName"]], out)
    out += [
        ".SH FILES",
        ".TP\n/etc/proctrace/proctrace.toml\nSettings for \\fBrecord\\fR; \\fBproctrace config check\\fR validates it.",
        ".TP\n/var/log/proctrace/events.jsonl\nThe log written by proctrace.service.",
        ".SH SEE ALSO",
        "\\fBsystemd.exec\\fR(5), \\fBcapabilities\\fR(7); docs/events.md and docs/service.md in the source.",
    ]
    sys.stdout.write("\n".join(out) + "\n")


if __name__ == "__main__":
    main()
