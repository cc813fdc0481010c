// Placeholder until apps/server lands: print the default model's report.
const fs = require('fs');
const path = require('path');
const dir = process.env.PARLEY_MODEL_DIR || path.join(__dirname, '..', 'models', 'default');
process.stdout.write(fs.readFileSync(path.join(dir, 'report.md'), 'utf8'));
