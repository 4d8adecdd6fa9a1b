# Helpers of bench/run and bench/ab for fio's JSON output.

# json_iops FILE: a fio run's IOPS, reads and writes of all jobs together.
json_iops() { jq '[.jobs[] | .read.iops + .write.iops] | add | floor' "$1"; }

# median: the median of the numbers on stdin (the lower one of an even
# count), or "n/a" for none.
median() { sort -g | awk '{ v[NR] = $1 } END { if (NR) print v[int((NR + 1) / 2)]; else print "n/a" }'; }
