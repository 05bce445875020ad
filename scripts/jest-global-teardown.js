// Removes the test run's temp folder (see jest-global-setup.js).
const { rmSync } = require("node:fs");

module.exports = () => {
  const folder = process.env.RUNNABLE_TEST_TEMP_FOLDER;
  if (!folder) return;
  try {
    rmSync(folder, { recursive: true, force: true, maxRetries: 3 });
  } catch (error) {
    process.stderr.write(`could not remove the test run's temp folder ${folder}: ${error.message}\n`);
  }
};
