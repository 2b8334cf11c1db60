// Run end-to-end scenarios in a real VS Code workbench:
//   node test/e2e/run.mjs [apply|reject|codeAction|hunks ...]   (default: all)
// Exit code 0 when all pass. E2E_DEBUG=1 keeps the temp folders and logs more.
// The pytest wrapper is tests/editors/test_vscode.py; setup is .ci/setup-vscode.sh.

import { copyFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';

import { EXT_DIR, log, missingPrerequisites, SkipScenario } from './harness.mjs';
import { scenarios } from './scenarios.mjs';

const wanted = process.argv.slice(2);
const unknown = wanted.filter((n) => !(n in scenarios));
if (unknown.length) {
  console.error(`unknown scenario(s): ${unknown.join(', ')}; known: ${Object.keys(scenarios).join(', ')}`);
  process.exit(2);
}
const missing = missingPrerequisites();
if (missing.length) {
  console.error(`e2e prerequisites missing (run .ci/setup-vscode.sh): ${missing.join('; ')}`);
  process.exit(3);
}

let passed = 0;
let failed = 0;
let skipped = 0;
for (const name of wanted.length ? wanted : Object.keys(scenarios)) {
  const started = Date.now();
  log(`=== scenario ${name}`);
  try {
    const result = await scenarios[name]();
    if (result?.screenshot && process.env.E2E_UPDATE_README_SCREENSHOT) {
      mkdirSync(join(EXT_DIR, 'media'), { recursive: true });
      const media = result.media ?? 'diff-review.png';
      copyFileSync(result.screenshot, join(EXT_DIR, 'media', media));
      log(`copied the screenshot to media/${media}`);
    }
    passed++;
    log(`=== PASS ${name} (${((Date.now() - started) / 1000).toFixed(1)} s)`);
  } catch (err) {
    if (err instanceof SkipScenario) {
      skipped++;
      log(`=== SKIP ${name}: ${err.message}`);
      continue;
    }
    failed++;
    console.error(err);
    log(`=== FAIL ${name} (${((Date.now() - started) / 1000).toFixed(1)} s)`);
  }
}
console.log(`${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`);
process.exit(failed ? 1 : 0);
