// A c2d test algorithm written in the style of Ocean's published Node examples (not copied from
// them): for each dataset of DIDS it reads the DDO under /data/ddos and the first file as
// data/inputs/<did>/0 relative to the image's working directory (/), and writes per-column
// statistics of the CSV's numeric columns to /data/outputs/stats.json. Deterministic.
'use strict';
const fs = require('fs');

const dids = JSON.parse(process.env.DIDS || '[]');
const result = {};
for (const did of dids) {
  const ddo = JSON.parse(fs.readFileSync('/data/ddos/' + did, 'utf8'));
  const lines = fs.readFileSync('data/inputs/' + did + '/0', 'utf8').trim().split('\n');
  const header = lines[0].split(',');
  const columns = {};
  header.forEach((name, i) => {
    const values = lines.slice(1).map((line) => Number(line.split(',')[i]));
    if (values.every((v) => Number.isFinite(v))) {
      const sum = values.reduce((a, b) => a + b, 0);
      columns[name] = {
        min: Math.min(...values),
        max: Math.max(...values),
        mean: Math.round((sum / values.length) * 1e6) / 1e6,
      };
    }
  });
  result[did] = { name: (ddo.metadata || {}).name, rows: lines.length - 1, columns };
}
fs.writeFileSync('/data/outputs/stats.json', JSON.stringify(result, null, 2) + '\n');
console.log('stats of ' + dids.length + ' dataset(s) written');
