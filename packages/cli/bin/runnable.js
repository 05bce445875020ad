#!/usr/bin/env node
// Committed entry point (npm links it at install time, before dist/ is built).
require("../dist/bin.js");
