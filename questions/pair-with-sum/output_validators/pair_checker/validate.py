#!/usr/bin/env python3
"""Output validator for pair-with-sum.

Usage: validate.py INPUT_FILE ANSWER_FILE FEEDBACK_DIR < contestant_output

Exit 42 accepts, 43 rejects (with a one-line reason in FEEDBACK_DIR/judgemessage.txt).
The contestant may print any valid pair; -1 is accepted only when the judge
answer is -1 too. Malformed output is rejected, never crashes the validator.
If the judge's own files cannot be read, the validator exits 1 (judge error).
Python 3 standard library only.
"""
import os
import re
import sys

ACCEPT, REJECT, JUDGE_ERROR = 42, 43, 1
INT_RE = re.compile(r"^-?[0-9]{1,19}$")  # plain decimal integers, no absurd lengths


def feedback(feedback_dir, filename, message):
    try:
        os.makedirs(feedback_dir, exist_ok=True)
        with open(os.path.join(feedback_dir, filename), "a") as f:
            f.write(message + "\n")
    except Exception:
        pass  # the verdict is given by the exit code; a message is a bonus


def reject(feedback_dir, message):
    feedback(feedback_dir, "judgemessage.txt", message)
    sys.exit(REJECT)


def read_judge_files(input_path, answer_path):
    with open(input_path, "rb") as f:
        tokens = f.read().split()
    n, k = int(tokens[0]), int(tokens[1])
    a = [int(x) for x in tokens[2:2 + n]]
    if n < 1 or len(a) != n:
        raise ValueError("input file is malformed")
    with open(answer_path, "rb") as f:
        judge_tokens = f.read().split()
    if not judge_tokens:
        raise ValueError("answer file is empty")
    judge_has_pair = judge_tokens[0] != b"-1"
    return n, k, a, judge_has_pair


def main():
    if len(sys.argv) < 4:
        sys.stderr.write("usage: validate.py INPUT_FILE ANSWER_FILE FEEDBACK_DIR < output\n")
        sys.exit(JUDGE_ERROR)
    input_path, answer_path, feedback_dir = sys.argv[1], sys.argv[2], sys.argv[3]
    try:
        n, k, a, judge_has_pair = read_judge_files(input_path, answer_path)
    except Exception as exc:  # a broken test case is the judge's fault, not the contestant's
        feedback(feedback_dir, "judgeerror.txt", "cannot read judge data: %r" % (exc,))
        sys.exit(JUDGE_ERROR)

    try:
        raw = sys.stdin.buffer.read()
    except Exception:
        reject(feedback_dir, "could not read the output")
    try:
        text = raw.decode("ascii")
    except UnicodeDecodeError:
        reject(feedback_dir, "output contains non-ASCII bytes")
    tokens = text.split()

    if not tokens:
        reject(feedback_dir, "empty output")
    if len(tokens) == 1:
        if tokens[0] != "-1":
            reject(feedback_dir, "expected two indices or -1, got a single token %r" % tokens[0][:30])
        if judge_has_pair:
            reject(feedback_dir, "printed -1 but a valid pair exists")
        sys.exit(ACCEPT)
    if len(tokens) != 2:
        reject(feedback_dir, "expected two indices or -1, got %d tokens" % len(tokens))
    for tok in tokens:
        if not INT_RE.match(tok):
            reject(feedback_dir, "not an integer: %r" % tok[:30])
    i, j = int(tokens[0]), int(tokens[1])
    if not (1 <= i <= n and 1 <= j <= n):
        reject(feedback_dir, "index out of range 1..%d: %d %d" % (n, i, j))
    if i == j:
        reject(feedback_dir, "the two indices must be different, got %d twice" % i)
    if i > j:
        reject(feedback_dir, "indices must be printed with i < j, got %d %d" % (i, j))
    if a[i - 1] + a[j - 1] != k:
        reject(feedback_dir, "a[%d] + a[%d] = %d, not %d" % (i, j, a[i - 1] + a[j - 1], k))
    if not judge_has_pair:
        # The pair really works, so the contestant is right and the judge answer is wrong.
        feedback(feedback_dir, "judgemessage.txt", "valid pair, although the judge answer says -1")
    sys.exit(ACCEPT)


if __name__ == "__main__":
    try:
        main()
    except SystemExit:
        raise
    except BaseException as exc:  # safety net: an unexpected problem never crashes the judge
        feedback(sys.argv[3] if len(sys.argv) > 3 else ".", "judgemessage.txt",
                 "output could not be checked: %r" % (exc,))
        sys.exit(REJECT)
