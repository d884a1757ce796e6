#!/usr/bin/env python3
"""Aggregates the execution samples of a JFR file: the top frames by self time, and by inclusive time (a frame
anywhere on the stack), each as a share of all samples. Optionally only samples whose stack holds a given frame.

    python3 bench/jfr-top.py recording.jfr [--top 30] [--only io.profilehub] [--depth 96]
"""
import argparse
import collections
import re
import subprocess

parser = argparse.ArgumentParser()
parser.add_argument("jfr")
parser.add_argument("--top", type=int, default=30)
parser.add_argument("--only", default=None, help="keep samples with a frame containing this text")
parser.add_argument("--depth", type=int, default=96)
parser.add_argument("--thread", default=None, help="keep samples of threads whose name contains this text")
parser.add_argument("--skip-thread", default=None, help="drop samples of threads whose name contains this text")
parser.add_argument("--groups", default=None,
                    help="comma-separated texts: the share of samples with a frame containing each (inclusive)")
args = parser.parse_args()

text = subprocess.run(["jfr", "print", "--events", "jdk.ExecutionSample", "--stack-depth", str(args.depth), args.jfr],
                      capture_output=True, text=True, check=True).stdout

frame_re = re.compile(r"^\s+([\w$.<>/\[\]]+)\(.*\)\s+line:")
samples = []
for event in text.split("jdk.ExecutionSample")[1:]:
    thread = re.search(r'sampledThread = "([^"]*)"', event)
    frames = [m.group(1) for line in event.splitlines() if (m := frame_re.match(line))]
    if frames:
        samples.append((thread.group(1) if thread else "", frames))

if args.thread:
    samples = [s for s in samples if args.thread in s[0]]
if args.skip_thread:
    samples = [s for s in samples if args.skip_thread not in s[0]]
if args.only:
    samples = [s for s in samples if any(args.only in f for f in s[1])]
total = len(samples)
self_count = collections.Counter(frames[0] for _, frames in samples)
incl = collections.Counter()
for _, frames in samples:
    for f in set(frames):
        incl[f] += 1
# Each sample charged to the leaf-most frame outside the JDK (java., jdk., sun.), by package (3 levels):
# which library's code (with the JDK calls it makes) the CPU went to.
owner = collections.Counter()
for _, frames in samples:
    f = next((f for f in frames if not f.startswith(("java.", "jdk.", "sun."))), frames[0])
    owner[".".join(f.split(".")[:3])] += 1
threads = collections.Counter(re.sub(r"\d+", "N", t) for t, _ in samples)

print(f"{total} samples")
if args.groups:
    print("\ngroups (inclusive):")
    for g in args.groups.split(","):
        n = sum(1 for _, frames in samples if any(g in f for f in frames))
        print(f"  {100 * n / total:5.1f}%  {g}")
print("\nthreads:")
for t, n in threads.most_common(8):
    print(f"  {100 * n / total:5.1f}%  {t}")
print("\nby package of the leaf-most non-JDK frame:")
for f, n in owner.most_common(args.top):
    print(f"  {100 * n / total:5.1f}%  {f}")
print("\nself:")
for f, n in self_count.most_common(args.top):
    print(f"  {100 * n / total:5.1f}%  {f}")
print("\ninclusive:")
for f, n in incl.most_common(args.top * 3):
    print(f"  {100 * n / total:5.1f}%  {f}")
