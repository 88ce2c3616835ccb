// Plain JS so it runs on any Node: refuses to go on when npm scripts are not running on Node 24+.
// npm puts node_modules/.bin first on PATH, where the `node` devDependency installs Node 24.
const major = Number(process.versions.node.split('.')[0]);
if (major < 24) {
  console.error(
    `hookline needs Node 24 or later, but this is Node ${process.versions.node}.\n` +
      'Run `npm ci` (it installs Node 24 into node_modules through the `node` devDependency) and use ' +
      '`npm start` / `npm test` / `npx <tool>`; do not run `node` directly, and do not pass --ignore-scripts.',
  );
  process.exit(1);
}
