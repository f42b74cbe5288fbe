"""Writes wine.csv from the copy of the UCI wine data that scikit-learn ships.

    /usr/bin/python3 examples/data/export-wine.py   # Debian: apt-get install python3-sklearn

Run once; the CSV is committed, so the examples need no Python. Thirteen measurements as
scikit-learn names them, then the class (0, 1, 2), one wine per line, in scikit-learn's order.
"""
import csv
import os

from sklearn.datasets import load_wine

wine = load_wine()
out = os.path.join(os.path.dirname(os.path.abspath(__file__)), "wine.csv")
with open(out, "w", newline="") as f:
    w = csv.writer(f, lineterminator="\n")
    w.writerow([n.replace("/", "_") for n in wine.feature_names] + ["class"])
    for x, y in zip(wine.data, wine.target):
        w.writerow([repr(float(v)) for v in x] + [int(y)])
print(f"wrote {out}: {len(wine.target)} rows, {len(wine.feature_names)} features")
