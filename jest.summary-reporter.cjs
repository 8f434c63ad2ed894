/** Writes each jest run's totals to CM_TEST_REPORT_DIR so `npm test` can print one closing line for all runners. */
const fs = require('node:fs');
const path = require('node:path');
class SummaryReporter {
  constructor(globalConfig, options) {
    this.name = (options && options.name) || 'jest';
  }
  onRunComplete(_contexts, results) {
    const dir = process.env.CM_TEST_REPORT_DIR;
    if (!dir) return;
    fs.mkdirSync(dir, { recursive: true });
    const out = {
      name: this.name,
      passed: results.numPassedTests,
      failed: results.numFailedTests + results.numRuntimeErrorTestSuites,
      skipped: results.numPendingTests + results.numTodoTests,
    };
    fs.writeFileSync(path.join(dir, `${this.name}-${process.pid}-${Date.now()}.json`), JSON.stringify(out));
  }
}
module.exports = SummaryReporter;
