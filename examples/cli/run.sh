#!/usr/bin/env bash
# The kanwasm command on CSV files: fit f(x, y) = exp(sin(pi x) + y^2) from measurements, prune,
# refine and make it symbolic; look at the model; predict; then a classifier (inside a circle).
# Run it in a project where kanwasm is installed (npm install kanwasm); it writes kan.safetensors,
# kan.svg and predictions.csv in the current folder.
#
#   bash run.sh
set -euo pipefail
data="$(cd "$(dirname "$0")/../data" && pwd)"

npx kanwasm fit "$data/exp-sin.csv" --target f --width 2,5,1 --grid 3 --steps 50 --lamb 0.001 \
  --prune --refine 10 --symbolic --lib x,x^2,sin,exp --out kan.safetensors --svg kan.svg
npx kanwasm info kan.safetensors
npx kanwasm formula kan.safetensors --format latex
npx kanwasm predict kan.safetensors "$data/exp-sin.csv" --out predictions.csv

npx kanwasm fit "$data/circle.csv" --target inside --loss crossentropy --width 2,3,2 --steps 10
