#!/usr/bin/env python3
"""Grouping accuracy (Loghub's measure, Zhu et al. ICSE-SEIP 2019): a line is
right when the group it was put in holds exactly the lines of its true group.
Usage: templates_acc.py TRUTH PRED — one group label per line in each."""
import collections
import sys


def accuracy(truth, pred):
    assert len(truth) == len(pred), (len(truth), len(pred))
    true_groups = collections.defaultdict(set)
    pred_groups = collections.defaultdict(set)
    for i, (t, p) in enumerate(zip(truth, pred)):
        true_groups[t].add(i)
        pred_groups[p].add(i)
    exact = {frozenset(g) for g in true_groups.values()}
    right = sum(len(g) for g in pred_groups.values() if frozenset(g) in exact)
    return right / len(truth)


if __name__ == "__main__":
    read = lambda p: [l.rstrip("\n") for l in open(p, encoding="utf-8")]
    print("%.4f" % accuracy(read(sys.argv[1]), read(sys.argv[2])))
