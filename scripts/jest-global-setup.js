// The test run's own temp folder: TMPDIR (os.tmpdir()) of the run, its workers and every process
// they start points at a fresh folder, which jest-global-teardown.js removes. The tests' working
// folders, stores, fixture projects and compile cache are all made under os.tmpdir(); without
// this, every run left hundreds of folders (~1.5 GB over a day of runs here) in /tmp.
const { mkdtempSync, realpathSync } = require("node:fs");
const { tmpdir } = require("node:os");
const { join } = require("node:path");

module.exports = () => {
  const folder = realpathSync(mkdtempSync(join(tmpdir(), "runnable-tests-")));
  process.env.RUNNABLE_TEST_TEMP_FOLDER = folder;
  process.env.TMPDIR = folder;
};
