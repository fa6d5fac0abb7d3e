// A c2d test algorithm that takes the consumer's parameters as Ocean's examples do, from
// /data/inputs/algoCustomData.json ({"column": ..., "threshold": ...}): it counts, per dataset of
// DIDS, the rows of data/inputs/<did>/0 whose column is above the threshold, and writes the counts
// with the parameters it read to /data/outputs/custom.json. Deterministic.
'use strict';
const fs = require('fs');

const params = JSON.parse(fs.readFileSync('/data/inputs/algoCustomData.json', 'utf8'));
const counts = {};
for (const did of JSON.parse(process.env.DIDS || '[]')) {
  const lines = fs.readFileSync('data/inputs/' + did + '/0', 'utf8').trim().split('\n');
  const column = lines[0].split(',').indexOf(params.column);
  if (column < 0) {
    console.error('no column ' + params.column + ' in ' + did);
    process.exit(4);
  }
  counts[did] = lines.slice(1).filter((l) => Number(l.split(',')[column]) > params.threshold).length;
}
fs.writeFileSync('/data/outputs/custom.json', JSON.stringify({ params, counts }, null, 2) + '\n');
