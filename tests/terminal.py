"""What a terminal shows for a stream of text: enough of one to read a status line's output."""

from __future__ import annotations

from scanner.core.progress import CLEAR_TO_EOL


def screen(output: str) -> list[str]:
    """What a terminal shows for `output`: carriage return, erase-in-line and newline obeyed."""
    lines: list[str] = []
    line: list[str] = []
    col = 0
    i = 0
    while i < len(output):
        if output.startswith(CLEAR_TO_EOL, i):
            del line[col:]
            i += len(CLEAR_TO_EOL)
            continue
        char = output[i]
        i += 1
        if char == "\r":
            col = 0
        elif char == "\n":
            lines.append("".join(line))
            line, col = [], 0
        else:
            if col < len(line):
                line[col] = char
            else:
                line.append(char)
            col += 1
    if line:
        lines.append("".join(line))
    return lines
