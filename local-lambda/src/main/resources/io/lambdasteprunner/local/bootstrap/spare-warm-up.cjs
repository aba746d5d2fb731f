// Imported by a spare Node.js runtime (bootstrap.mjs) before it takes its function, so that Node's
// loader for CommonJS modules is set up before the function's index.js is imported.
exports.warm = true;
