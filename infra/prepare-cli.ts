import { preparePlatform } from './prepare-platform.js';

/** `npm run setup [-- --tests]`: prepares the machine without serving. */
preparePlatform({ forTests: process.argv.includes('--tests') }).catch((error: Error) => {
  console.error(`\nsetup failed: ${error.message}`);
  process.exit(1);
});
